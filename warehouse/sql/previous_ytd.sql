-- The stored 本年累计 a return of $period is checked against: the month before's and the same month last year's.
select org_code, form_code, indicator_code, period, ytd_value as ytd
from figures
where period in ($period - interval 1 month, $period - interval 12 month) and ytd_value is not null;
