-- 各状态重点项目个数与总投资（亿元）
select status, count(*) as projects, round(sum(total_investment) / 10000, 2) as total_investment_yi
from projects
where period = '2023-06-01'
group by status
order by projects desc;
