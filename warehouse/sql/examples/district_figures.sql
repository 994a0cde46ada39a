-- 全区 2023年1-6月 合计及同比
select indicator_name, n_orgs, ytd_value, unit, round(yoy_pct, 1) as yoy_pct
from district_figures
where period = '2023-06-01' and kind <> 'text'
order by form_code, indicator_code;
