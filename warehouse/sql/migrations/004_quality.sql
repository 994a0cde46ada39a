-- Version 4: closing a month (验收) and the office's approval of an org's month (审核), each kept as events.
create table if not exists period_closings (
    period date not null,
    action varchar not null check (action in ('close', 'reopen')),
    acted_at timestamp not null,
    who varchar not null,
    reason varchar
);
create table if not exists approvals (
    org_code varchar not null,
    period date not null,
    approved_at timestamp not null,
    who varchar not null,
    note varchar
);
