-- The numeric figures of forms $forms in the accepted returns of every period from $since to $period, one row per
-- org, form, indicator and period: the history the outlier scoring reads (warehouse/quality.py), a form at a time.
-- The figures are pivoted first, their returns picked by a semi-join, and only the pivoted rows joined back to their
-- returns: nothing numbers or holds every return of the window, so two years of a large district stay within the
-- query's own memory limit (QUERY_MEMORY in warehouse/quality.py).
with pivoted as (
    select
        v.sha256, v.sheet, v.form_code, v.indicator_code,
        max(v.value) filter (where v.measure = 'month') as month_value,
        max(v.value) filter (where v.measure = 'ytd') as ytd_value,
        max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd
    from figure_values v
    where v.measure in ('month', 'ytd', 'prior_ytd') and list_contains($forms, v.form_code)
      and (v.sha256, v.sheet) in (select sha256, sheet from submissions
                                  where status = 'accepted' and period between $since and $period
                                    and org_code is not null)
    group by v.sha256, v.sheet, v.form_code, v.indicator_code
)
select s.org_code, p.form_code, p.indicator_code, i.kind, s.period, p.month_value, p.ytd_value, p.prior_ytd
from pivoted p
join submissions s on s.sha256 = p.sha256 and s.sheet = p.sheet and s.status = 'accepted'  -- not a copy received again
join indicators i on i.form_code = p.form_code and i.indicator_code = p.indicator_code and i.kind in ('flow', 'stock');
