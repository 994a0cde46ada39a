-- An (org, form, period) with more than one current (accepted) return.
select org_code, form_code, period, count(*) as n, string_agg(file_name, '、' order by file_name) as files
from submissions
where status = 'accepted'
group by org_code, form_code, period
having count(*) > 1;
