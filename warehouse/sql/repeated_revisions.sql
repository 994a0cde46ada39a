-- Each org × form of $period whose error-free return was corrected at least $least times (重复修改), with its
-- current return.
select org_code, form_code, period, count(*) - 1 as revisions,
       arg_max(sha256, received_at) filter (where status = 'accepted') as sha256,
       arg_max(sheet, received_at) filter (where status = 'accepted') as sheet,
       arg_max(file_name, received_at) filter (where status = 'accepted') as file_name,
       string_agg(file_name, '、' order by received_at, file_name) as files
from submissions
where period = $period and status in ('accepted', 'superseded') and org_code is not null and form_code is not null
group by org_code, form_code, period
having count(*) - 1 >= $least and count(*) filter (where status = 'accepted') > 0
order by org_code, form_code;
