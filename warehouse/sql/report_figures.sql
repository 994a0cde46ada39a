-- The figures a report of $period stands on, as the warehouse held them at $as_of (a closed month's closing): per org and form, the latest accepted return of the year up to
-- $period (a department that missed $period is represented by its last return), with the warnings it drew.
-- The same rows as the `figures` view, pivoted from the base tables for these returns only: the view pivots
-- every return ever loaded, which takes seconds on a 1,000-org warehouse. Grouping by a return number rather
-- than by its file name and fingerprint saves a quarter of the time.
with returns as (
    select row_number() over () as rid, sha256, sheet, org_code, form_code, period, file_name
    from submissions_as_of($as_of)
    where status = 'accepted' and period <= $period and year(period) = year($period)
        and ($orgs is null or list_contains($orgs, org_code))
    qualify period = max(period) over (partition by org_code, form_code)
),
current as (
    select
        r.rid, v.form_code, v.indicator_code,
        max(v.value) filter (where v.measure = 'month') as month_value,
        max(v.value) filter (where v.measure = 'ytd') as ytd_value,
        max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd_value,
        max(v.text_value) filter (where v.measure = 'text') as text_value,
        coalesce(max(v.cell) filter (where v.measure = 'ytd'), max(v.cell) filter (where v.measure = 'text'),
                 max(v.cell) filter (where v.measure = 'month')) as cell
    from returns r
    join figure_values v on v.sha256 = r.sha256 and v.sheet = r.sheet
    group by r.rid, v.form_code, v.indicator_code
),
warned as (
    -- a warning the department or the office explained is reported as explained, not as open
    select sha256, sheet, indicator_code,
           string_agg(distinct rule, ',') filter (where not coalesce(explained, false)) as warning_rules,
           string_agg(message, '；' order by cell) filter (where not coalesce(explained, false)) as warnings,
           string_agg(message || '（已说明：' || coalesce(explanation, '') || '）', '；' order by cell)
               filter (where coalesce(explained, false)) as explained
    from findings
    where severity = 'warning' and sha256 in (select sha256 from returns)
    group by sha256, sheet, indicator_code
)
select r.org_code, r.period, c.form_code, c.indicator_code, c.month_value, c.ytd_value, c.prior_ytd_value,
       c.text_value, r.file_name, r.sheet, c.cell, r.sha256,
       concat_ws(',', w.warning_rules, i.warning_rules) as warning_rules,
       concat_ws('；', w.warnings, i.warnings) as warnings,
       concat_ws('；', w.explained, i.explained) as explained
from current c
join returns r on r.rid = c.rid
left join warned i on i.sha256 = r.sha256 and i.sheet = r.sheet and i.indicator_code = c.indicator_code
left join warned w on w.sha256 = r.sha256 and w.sheet = r.sheet and w.indicator_code is null
order by r.org_code, c.form_code, c.indicator_code;
