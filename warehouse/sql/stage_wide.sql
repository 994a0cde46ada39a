-- The staged figures of $period's returns, one row per (return, indicator), for the checks that read an earlier
-- period (in the same shape as schemas.audit.wide).
select
    sha256, sheet, any_value(file_name) as file_name, org_code, form_code, period, indicator_code,
    max(value) filter (where measure = 'month') as value_month,
    max(value) filter (where measure = 'ytd') as value_ytd,
    max(value) filter (where measure = 'prior_ytd') as value_prior_ytd,
    max(value) filter (where measure = 'yoy_pct') as value_yoy_pct,
    max(cell) filter (where measure = 'month') as cell_month,
    max(cell) filter (where measure = 'ytd') as cell_ytd,
    max(cell) filter (where measure = 'prior_ytd') as cell_prior_ytd,
    max(cell) filter (where measure = 'yoy_pct') as cell_yoy_pct,
    max(raw) filter (where measure = 'month') as raw_month,
    max(raw) filter (where measure = 'ytd') as raw_ytd,
    max(raw) filter (where measure = 'prior_ytd') as raw_prior_ytd,
    max(raw) filter (where measure = 'yoy_pct') as raw_yoy_pct
from stage_records
where period = $period and measure <> 'text' and list_contains($forms, form_code)
group by sha256, sheet, org_code, form_code, period, indicator_code;
