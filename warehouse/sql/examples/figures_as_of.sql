-- 2023年7月6日 08:00 时数据库中的现行数（之后收到的更正不计）
select org_name, indicator_name, ytd_value, file_name
from figures_as_of(timestamp '2023-07-06 08:00:00')
where period = '2023-06-01' and form_code = 'ZB02';
