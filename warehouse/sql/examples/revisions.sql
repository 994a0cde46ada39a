-- 2023年6月每次更正改了哪些数（原数、更正后的数、前后两个文件）
select org_name, form_code, indicator_name, measure, old_value, new_value, old_file, new_file
from revisions
where period = '2023-06-01'
order by org_name, form_code, revision;
