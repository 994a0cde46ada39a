-- Each org's project list from its latest accepted ZB03 return of the year up to $period, as of $as_of.
with accepted as (
    select sha256, sheet, org_code, period
    from submissions_as_of($as_of)
    where status = 'accepted' and period <= $period and year(period) = year($period)
        and ($orgs is null or list_contains($orgs, org_code))
),
latest as (
    select s.sha256, s.sheet, s.org_code, s.period
    from accepted s
    join project_rows p on p.sha256 = s.sha256 and p.sheet = s.sheet
    qualify s.period = max(s.period) over (partition by s.org_code)
)
select distinct on (p.sha256, p.sheet, p.cell)
    l.org_code, o.org_name, l.period, p.project_name, p.status, p.total_investment,
    p.location, p.industry, p.responsible, sub.file_name, l.sheet, p.cell, l.sha256
from latest l
join project_rows p on p.sha256 = l.sha256 and p.sheet = l.sheet
join submissions sub on sub.sha256 = l.sha256 and sub.sheet = l.sheet and sub.status <> 'duplicate'
left join orgs o on o.org_code = l.org_code
order by l.org_code, p.status, p.project_name;
