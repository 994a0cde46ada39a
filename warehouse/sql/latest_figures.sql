-- Each org's figures from its latest accepted return of the year up to $period, per form.
with latest as (
    select org_code, form_code, max(period) as period
    from figures
    where period <= $period and year(period) = year($period) and ($org is null or org_code = $org)
    group by org_code, form_code
)
select f.*
from figures f
join latest l on l.org_code = f.org_code and l.form_code = f.form_code and l.period = f.period
order by f.org_code, f.form_code, f.indicator_code;
