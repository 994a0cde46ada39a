-- For each org × form × month of $year: when its first error-free return came in (none: not reported).
select org_code, form_code, period,
       min(received_at) filter (where status in ('accepted', 'superseded')) as first_accepted_at,
       min(received_at) as first_received_at
from submissions
where year(period) = $year and org_code is not null and form_code is not null and status <> 'duplicate'
group by org_code, form_code, period
order by period, org_code, form_code;
