-- Every project row of $period's staged ZB03 returns.
insert into project_rows by name
select p.sha256, p.sheet, p.project_name, p.status, p.total_investment, p.location, p.industry, p.responsible,
       p.name_cell as cell
from stage_projects p
join stage_returns r on r.sha256 = p.sha256 and r.sheet = p.sheet
where r.period is not distinct from $period;
