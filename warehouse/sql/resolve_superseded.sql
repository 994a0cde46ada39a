-- Of the error-free returns for one (org, form, period), the one received last is current.
update submissions as s
set status = case when r.rank = 1 then 'accepted' else 'superseded' end
from (
    select sha256, sheet,
           row_number() over (partition by org_code, form_code, period order by received_at desc, file_name desc) as rank
    from submissions
    where status in ('accepted', 'superseded')
) as r
where s.sha256 = r.sha256 and s.sheet = r.sheet and s.status in ('accepted', 'superseded');
