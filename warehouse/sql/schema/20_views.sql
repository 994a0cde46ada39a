-- The views analysts query; recreated each time the warehouse is opened for writing.

-- One row per (return, indicator) of every error-free revision, current or superseded.
create or replace view figures_history as
with revisions as (
    select
        s.org_code, s.period, v.form_code, v.indicator_code,
        max(v.value) filter (where v.measure = 'month') as month_value,
        max(v.value) filter (where v.measure = 'ytd') as ytd_value,
        max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd_value,
        max(v.text_value) filter (where v.measure = 'text') as text_value,
        coalesce(max(v.cell) filter (where v.measure = 'ytd'), max(v.cell) filter (where v.measure = 'text'),
                 max(v.cell) filter (where v.measure = 'month')) as cell,
        max(v.unit_found) filter (where v.measure in ('month', 'ytd', 'prior_ytd')) as unit_found,
        max(v.factor) filter (where v.measure in ('month', 'ytd', 'prior_ytd')) as conversion_factor,
        bool_or(coalesce(v.computed, false)) as computed,
        s.status, s.file_name, s.sheet, s.sha256, s.archive_path, s.received_at, s.loaded_at
    from figure_values v
    join submissions s on s.sha256 = v.sha256 and s.sheet = v.sheet and s.status in ('accepted', 'superseded')
    group by all
)
select
    r.org_code, o.org_name, r.period, r.form_code, r.indicator_code, i.indicator_name, i.unit,
    r.month_value, r.ytd_value, r.prior_ytd_value,
    case when i.yoy and r.prior_ytd_value > 0 then round((r.ytd_value / r.prior_ytd_value - 1) * 100, 1) end as yoy_pct,
    r.text_value, r.file_name, r.sheet, r.cell, r.sha256,
    r.status, r.received_at, r.loaded_at,
    lead(r.received_at) over (partition by r.org_code, r.form_code, r.period, r.indicator_code
                              order by r.received_at, r.file_name) as superseded_at,
    r.archive_path, r.unit_found, r.conversion_factor, r.computed
from revisions r
join indicators i on i.form_code = r.form_code and i.indicator_code = r.indicator_code
left join orgs o on o.org_code = r.org_code;

create or replace view figures as
select * exclude (status, superseded_at) from figures_history where status = 'accepted';

-- What `figures` showed at time ts: of the revisions loaded by then, the one received last.
create or replace macro figures_as_of(ts) as table
select * exclude (status, superseded_at)
from figures_history
where loaded_at <= ts
qualify row_number() over (partition by org_code, form_code, period, indicator_code
                           order by received_at desc, file_name desc) = 1;

-- The returns as they stood at time ts: of the error-free revisions loaded by then, the one received last is
-- accepted. A closed month's report reads its returns as of its closing time (the summary of record).
create or replace macro submissions_as_of(ts) as table
select * exclude (status),
       case when status in ('accepted', 'superseded') and row_number() over (
                partition by org_code, form_code, period, status in ('accepted', 'superseded')
                order by received_at desc, file_name desc) = 1 then 'accepted'
            when status in ('accepted', 'superseded') then 'superseded'
            else status end as status
from submissions
where loaded_at <= ts;

-- The district's figures of each period, by the one rule every report follows: each org counts with its latest
-- accepted return of the year up to the period, so a department that missed the month is carried forward with its
-- last 本年累计 (never its 本月) and named in carried_orgs; sums are written with the indicator's decimals.
create or replace macro district_figures_as_of(ts) as table
with accepted as (
    select org_code, form_code, period, sha256, sheet
    from submissions_as_of(ts)
    where status = 'accepted' and org_code is not null and period is not null
),
lines as (
    select p.period, a.org_code, a.form_code
    from (select distinct period from accepted) p
    join (select distinct org_code, form_code, year(period) as year from accepted) a on a.year = year(p.period)
),
latest as (
    select l.period, l.org_code, a.period as covers, a.sha256, a.sheet
    from lines l
    asof join accepted a on a.org_code = l.org_code and a.form_code = l.form_code and l.period >= a.period
    where year(a.period) = year(l.period)
),
org_figures as (
    select
        l.period, l.org_code, l.covers, v.form_code, v.indicator_code,
        max(v.value) filter (where v.measure = 'month') as month_value,
        max(v.value) filter (where v.measure = 'ytd') as ytd_value,
        max(v.value) filter (where v.measure = 'prior_ytd') as prior_ytd_value,
        max(v.text_value) filter (where v.measure = 'text') as text_value
    from latest l
    join figure_values v on v.sha256 = l.sha256 and v.sheet = l.sheet
    group by l.period, l.org_code, l.covers, v.form_code, v.indicator_code
)
select
    f.period, f.form_code, f.indicator_code, i.indicator_name, i.unit, i.kind,
    count(distinct f.org_code) as n_orgs,
    case when i.kind <> 'text' then round(sum(f.month_value) filter (where f.covers = f.period), i.decimals) end
        as month_value,
    case when i.kind <> 'text' then round(sum(f.ytd_value), i.decimals) end as ytd_value,
    case when i.kind <> 'text' then round(sum(f.prior_ytd_value), i.decimals) end as prior_ytd_value,
    case when i.yoy and sum(f.prior_ytd_value) > 0
         then round((sum(f.ytd_value) / sum(f.prior_ytd_value) - 1) * 100, 1) end as yoy_pct,
    string_agg(o.org_name || '：' || f.text_value, '；' order by f.org_code) as text_value,
    count(distinct f.org_code) filter (where f.covers <> f.period) as n_carried,
    string_agg(o.org_name || '（' || m.ytd_label || '）', '、' order by f.org_code) filter (where f.covers <> f.period)
        as carried_orgs
from org_figures f
join indicators i on i.form_code = f.form_code and i.indicator_code = f.indicator_code
left join orgs o on o.org_code = f.org_code
left join months m on m.month = month(f.covers)
group by f.period, f.form_code, f.indicator_code, i.indicator_name, i.unit, i.kind, i.yoy, i.decimals;

create or replace view district_figures as select * from district_figures_as_of(timestamp '9999-12-31');

create or replace view projects as
select
    s.org_code, o.org_name, s.period, p.project_name, p.status, p.total_investment,
    p.location, p.industry, p.responsible, s.file_name, s.sheet, p.cell, s.sha256
from project_rows p
join submissions s on s.sha256 = p.sha256 and s.sheet = p.sheet and s.status = 'accepted'
left join orgs o on o.org_code = s.org_code;

create or replace view periods as
select distinct
    period,
    year(period) as year,
    month(period) as month,
    year(period) || '年' || month(period) || '月' as label,
    m.ytd_label
from submissions
left join months m on m.month = month(period)
where period is not null;
