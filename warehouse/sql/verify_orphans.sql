-- Figures and project rows whose return is not in submissions: no figure may point at nothing.
select 'figure_values' as tbl, v.sha256, v.sheet, count(*) as n
from figure_values v
left join submissions s on s.sha256 = v.sha256 and s.sheet = v.sheet
where s.sha256 is null
group by v.sha256, v.sheet
union all
select 'project_rows', p.sha256, p.sheet, count(*)
from project_rows p
left join submissions s on s.sha256 = p.sha256 and s.sheet = p.sheet
where s.sha256 is null
group by p.sha256, p.sheet;
