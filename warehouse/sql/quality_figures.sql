-- The numeric figures of the accepted returns of every period from $since to $period, one row per org, form,
-- indicator and period, with where each came from: what the outlier scoring reads (warehouse/quality.py).
select
    s.org_code, v.form_code, v.indicator_code, i.kind, s.period,
    max(v.value) filter (where v.measure = 'month') as month_value,
    max(v.value) filter (where v.measure = 'ytd') as ytd_value,
    max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd,
    max(v.cell) filter (where v.measure = 'month') as month_cell,
    max(v.cell) filter (where v.measure = 'ytd') as ytd_cell,
    max(v.raw) filter (where v.measure = 'month') as month_raw,
    max(v.raw) filter (where v.measure = 'ytd') as ytd_raw,
    s.sha256, s.sheet, s.file_name
from submissions s
join figure_values v on v.sha256 = s.sha256 and v.sheet = s.sheet
join indicators i on i.form_code = v.form_code and i.indicator_code = v.indicator_code
where s.status = 'accepted' and s.period between $since and $period and i.kind in ('flow', 'stock')
    and s.org_code is not null
group by s.org_code, v.form_code, v.indicator_code, i.kind, s.period, s.sha256, s.sheet, s.file_name
order by s.org_code, v.form_code, v.indicator_code, s.period;
