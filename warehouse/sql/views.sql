-- Views analysts query. `figures` holds the current accepted value per (org, period, form, indicator).
create or replace view figures as
select
    s.org_code,
    o.org_name,
    s.period,
    v.form_code,
    v.indicator_code,
    i.indicator_name,
    i.unit,
    max(v.value) filter (where v.measure = 'month') as month_value,
    max(v.value) filter (where v.measure = 'ytd') as ytd_value,
    max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd_value,
    case when bool_or(i.yoy) and max(v.value) filter (where v.measure = 'prior_ytd') > 0
        then (max(v.value) filter (where v.measure = 'ytd') / max(v.value) filter (where v.measure = 'prior_ytd') - 1) * 100
    end as yoy_pct,
    max(v.text_value) filter (where v.measure = 'text') as text_value,
    s.file_name,
    s.sheet,
    coalesce(max(v.cell) filter (where v.measure = 'ytd'), max(v.cell) filter (where v.measure = 'text'),
             max(v.cell) filter (where v.measure = 'month')) as cell,
    s.sha256
from figure_values v
join submissions s on s.sha256 = v.sha256 and s.sheet = v.sheet and s.status = 'accepted'
join indicators i on i.form_code = v.form_code and i.indicator_code = v.indicator_code
left join orgs o on o.org_code = s.org_code
group by all;

create or replace view projects as
select
    s.org_code,
    o.org_name,
    s.period,
    p.project_name,
    p.status,
    p.total_investment,
    p.location,
    p.industry,
    p.responsible,
    s.file_name,
    s.sheet,
    p.cell,
    s.sha256
from project_rows p
join submissions s on s.sha256 = p.sha256 and s.sheet = p.sheet and s.status = 'accepted'
left join orgs o on o.org_code = s.org_code;
