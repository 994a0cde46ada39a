-- The numeric figures of forms $forms in the accepted returns of every period from $since to $period, one row per
-- org, form, indicator and period: the history the outlier scoring reads (warehouse/quality.py), a few forms at a time. Grouped by a return number
-- rather than by file and fingerprint, as report_figures.sql is, for a large district.
with returns as (
    select row_number() over () as rid, sha256, sheet, org_code, period
    from submissions
    where status = 'accepted' and period between $since and $period and org_code is not null
),
pivoted as (
    select
        r.rid, v.form_code, v.indicator_code,
        max(v.value) filter (where v.measure = 'month') as month_value,
        max(v.value) filter (where v.measure = 'ytd') as ytd_value,
        max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd
    from returns r
    join figure_values v on v.sha256 = r.sha256 and v.sheet = r.sheet
    where v.measure in ('month', 'ytd', 'prior_ytd') and list_contains($forms, v.form_code)
    group by r.rid, v.form_code, v.indicator_code
)
select r.org_code, p.form_code, p.indicator_code, i.kind, r.period, p.month_value, p.ytd_value, p.prior_ytd
from pivoted p
join returns r on r.rid = p.rid
join indicators i on i.form_code = p.form_code and i.indicator_code = p.indicator_code and i.kind in ('flow', 'stock');
