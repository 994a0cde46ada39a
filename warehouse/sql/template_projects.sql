-- The project list a ZB03 填报模板 of $period starts from: each org's latest accepted list before $period,
-- in the order the department wrote it.
with latest as (
    select org_code, max(period) as period
    from projects
    where period < $period
    group by org_code
)
select p.org_code, p.project_name, p.status, p.total_investment, p.location, p.industry, p.responsible
from projects p
join latest l on l.org_code = p.org_code and l.period = p.period
order by p.org_code, p.file_name, p.sheet, try_cast(regexp_extract(p.cell, '[0-9]+') as integer), p.project_name;
