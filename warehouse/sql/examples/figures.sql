-- 示例街道 2023年6月 各指标本年累计及同比
select indicator_name, ytd_value, unit, round(yoy_pct, 1) as yoy_pct, file_name, cell
from figures
where org_code = '110199001' and period = '2023-06-01'
order by form_code, indicator_code;
