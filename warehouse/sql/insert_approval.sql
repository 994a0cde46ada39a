-- The office approves one org's returns of a period.
insert into approvals values ($org_code, $period, $approved_at, $who, $note);
