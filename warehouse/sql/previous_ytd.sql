-- The current 本年累计 of the month before $period, for the cross-period rule.
select org_code, form_code, indicator_code, period, ytd_value as ytd
from figures
where period = $period - interval 1 month and ytd_value is not null;
