-- 2023年6月 各单位报表收到情况
select org_code, status, count(*) as returns
from submissions
where period = '2023-06-01'
group by org_code, status
order by org_code, status;
