-- The findings of the files named $file (with or without its extension), with the period of their return.
select f.*, (select max(s.period) from submissions s where s.sha256 = f.sha256) as period
from findings f
where f.file_name = $file or regexp_replace(f.file_name, '\.[^.]*$', '') = $file
order by f.file_name, f.sheet, f.rule, f.cell;
