-- 被更正过的指标：每个版本的数、来源文件、收到和被替换的时间
select org_name, period, indicator_name, ytd_value, status, file_name, received_at, superseded_at
from figures_history
where (org_code, form_code, period) in (
    select org_code, form_code, period from figures_history where status = 'superseded')
order by org_name, period, indicator_code, received_at;
