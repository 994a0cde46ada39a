-- Each org's project list from its latest accepted ZB03 return of the year up to $period.
with latest as (
    select org_code, max(period) as period
    from projects
    where period <= $period and year(period) = year($period) and ($org is null or org_code = $org)
    group by org_code
)
select p.*
from projects p
join latest l on l.org_code = p.org_code and l.period = p.period
order by p.org_code, p.status, p.project_name;
