-- As of $as_of, 本年累计 and 上年同期累计 of the yoy indicators for each month of the year up to $period, per org: the org's
-- latest accepted return up to that month (`period` says which month it is, so a carried figure can be told
-- apart). Pivoted from the base tables for the yoy forms only, as report_figures.sql is.
with yoy as (
    select form_code, indicator_code from indicators where yoy
),
returns as (
    select sha256, sheet, org_code, period
    from submissions_as_of($as_of)
    where status = 'accepted' and period <= $period and year(period) = year($period)
        and ($orgs is null or list_contains($orgs, org_code)) and form_code in (select form_code from yoy)
),
monthly as (
    select r.org_code, v.form_code, v.indicator_code, r.period,
        max(v.value) filter (where v.measure = 'ytd') as ytd_value,
        max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd_value
    from returns r
    join figure_values v on v.sha256 = r.sha256 and v.sheet = r.sheet
    join yoy y on y.form_code = v.form_code and y.indicator_code = v.indicator_code
    group by r.org_code, v.form_code, v.indicator_code, r.period
),
months as (
    select unnest(generate_series(date_trunc('year', $period::date), $period::date, interval 1 month))::date as month
),
wanted as (
    select k.org_code, k.form_code, k.indicator_code, m.month
    from (select distinct org_code, form_code, indicator_code from monthly) k
    cross join months m
)
select w.org_code, w.form_code, w.indicator_code, w.month, m.period, m.ytd_value, m.prior_ytd_value
from wanted w
asof left join monthly m
    on m.org_code = w.org_code and m.form_code = w.form_code and m.indicator_code = w.indicator_code
    and w.month >= m.period
order by w.form_code, w.indicator_code, w.org_code, w.month;
