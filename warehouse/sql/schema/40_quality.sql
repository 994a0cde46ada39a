-- Data quality: the revision trail, closed months, and where each org's month stands (受理 → 审核 → 验收).

-- Every figure a correction changed: each pair of consecutive error-free revisions of one (org, form, period),
-- in the order supersession uses (received time, then file name).
create or replace view revisions as
with versions as (
    select org_code, form_code, period, sha256, sheet, file_name, received_at,
           row_number() over (partition by org_code, form_code, period order by received_at, file_name, sheet) as version
    from submissions
    where status in ('accepted', 'superseded') and org_code is not null and form_code is not null and period is not null
),
pairs as (
    select o.org_code, o.form_code, o.period, n.version - 1 as revision,
           o.sha256 as old_sha256, o.sheet as old_sheet, o.file_name as old_file, o.received_at as old_received_at,
           n.sha256 as new_sha256, n.sheet as new_sheet, n.file_name as new_file, n.received_at as new_received_at
    from versions o
    join versions n on n.org_code = o.org_code and n.form_code = o.form_code and n.period = o.period
        and n.version = o.version + 1
),
vals as (
    select sha256, sheet, indicator_code, measure, value, text_value, cell
    from figure_values
    where measure in ('month', 'ytd', 'prior_ytd', 'text')
),
changes as (
    select p.*, a.indicator_code, a.measure, a.value as old_value, b.value as new_value,
           a.text_value as old_text, b.text_value as new_text, a.cell as old_cell, b.cell as new_cell
    from pairs p
    join vals a on a.sha256 = p.old_sha256 and a.sheet = p.old_sheet
    left join vals b on b.sha256 = p.new_sha256 and b.sheet = p.new_sheet
        and b.indicator_code = a.indicator_code and b.measure = a.measure
    union all by name
    -- figures only the new revision has
    select p.*, b.indicator_code, b.measure, null as old_value, b.value as new_value, null as old_text,
           b.text_value as new_text, null as old_cell, b.cell as new_cell
    from pairs p
    join vals b on b.sha256 = p.new_sha256 and b.sheet = p.new_sheet
    where not exists (select 1 from vals a where a.sha256 = p.old_sha256 and a.sheet = p.old_sheet
                      and a.indicator_code = b.indicator_code and a.measure = b.measure)
)
select c.org_code, o.org_name, c.form_code, c.period, c.indicator_code, i.indicator_name, c.measure,
       c.old_value, c.new_value, c.old_text, c.new_text, c.old_file, c.new_file, c.old_received_at, c.new_received_at,
       c.revision, c.old_sha256, c.new_sha256, c.old_sheet, c.new_sheet, c.old_cell, c.new_cell
from changes c
left join orgs o on o.org_code = c.org_code
left join indicators i on i.form_code = c.form_code and i.indicator_code = c.indicator_code
where (c.old_value is null) <> (c.new_value is null)
   or abs(c.old_value - c.new_value) > 1e-6
   or c.old_text is distinct from c.new_text;

-- Each period's closing as it stands: closed by whom, when and why; the last reopening.
create or replace view closings as
with events as (
    select *, row_number() over (partition by period order by acted_at desc, rowid desc) as latest
    from period_closings
)
select
    period,
    bool_or(latest = 1 and action = 'close') as closed,
    max(acted_at) filter (where action = 'close') as closed_at,
    arg_max(who, acted_at) filter (where action = 'close') as closed_by,
    arg_max(reason, acted_at) filter (where action = 'close') as close_reason,
    max(acted_at) filter (where action = 'reopen') as reopened_at,
    arg_max(who, acted_at) filter (where action = 'reopen') as reopened_by,
    arg_max(reason, acted_at) filter (where action = 'reopen') as reopen_reason
from events
group by period;

-- Where each org's month stands: 已受理 (accepted returns), 已审核 (the office approved them, and nothing came in
-- since), 已验收 (the month is closed).
create or replace view org_period_states as
with received as (
    select org_code, period,
           count(*) filter (where status = 'accepted') as accepted_returns,
           max(loaded_at) filter (where status = 'accepted') as last_loaded_at
    from submissions
    where org_code is not null and period is not null and status <> 'duplicate'
    group by org_code, period
),
open_warnings as (
    select s.org_code, s.period, count(*) as open_warnings
    from findings f
    join submissions s on s.sha256 = f.sha256 and s.status = 'accepted' and (f.sheet is null or f.sheet = s.sheet)
    where f.severity = 'warning' and not coalesce(f.explained, false)
    group by s.org_code, s.period
),
approved as (
    select org_code, period, max(approved_at) as approved_at, arg_max(who, approved_at) as approved_by
    from approvals
    group by org_code, period
)
select r.org_code, o.org_name, r.period, r.accepted_returns, coalesce(w.open_warnings, 0) as open_warnings,
       a.approved_at, a.approved_by, c.closed_at,
       case when r.accepted_returns = 0 then 'none'
            when coalesce(c.closed, false) then 'closed'
            when a.approved_at >= r.last_loaded_at then 'approved'
            else 'accepted' end as state,
       case when r.accepted_returns = 0 then '未受理'
            when coalesce(c.closed, false) then '已验收'
            when a.approved_at >= r.last_loaded_at then '已审核'
            else '已受理' end as state_label
from received r
left join orgs o on o.org_code = r.org_code
left join open_warnings w on w.org_code = r.org_code and w.period = r.period
left join approved a on a.org_code = r.org_code and a.period = r.period
left join closings c on c.period = r.period;

comment on table period_closings is '关账记录：统计局对某期验收关账（close）和重开（reopen），按时间先后。Closing and reopening events.';
comment on column period_closings.period is '报告期（该月第一天）';
comment on column period_closings.action is 'close 验收关账 / reopen 重开';
comment on column period_closings.acted_at is '时间';
comment on column period_closings.who is '操作人';
comment on column period_closings.reason is '原因';
comment on table approvals is '审核记录：统计局审核通过某单位某期的报表（statreturns approve）。The office approving an org''s month.';
comment on column approvals.org_code is '单位代码';
comment on column approvals.period is '报告期';
comment on column approvals.approved_at is '审核时间';
comment on column approvals.who is '审核人';
comment on column approvals.note is '审核意见';

comment on view revisions is '修改痕迹：同一单位同一报表同一期，每两个相邻的无误版本之间改动的每个数。Every figure a correction changed.';
comment on column revisions.org_code is '单位代码';
comment on column revisions.org_name is '单位名称';
comment on column revisions.form_code is '表号';
comment on column revisions.period is '报告期';
comment on column revisions.indicator_code is '指标代码';
comment on column revisions.indicator_name is '指标名称';
comment on column revisions.measure is 'month 本月 / ytd 本年累计 / prior_ytd 上年同期累计 / text 文字';
comment on column revisions.old_value is '修改前的数（文字项为空）';
comment on column revisions.new_value is '修改后的数（文字项为空）';
comment on column revisions.old_text is '修改前的文字（文字项）';
comment on column revisions.new_text is '修改后的文字（文字项）';
comment on column revisions.old_file is '修改前的文件';
comment on column revisions.new_file is '修改后的文件（更正版）';
comment on column revisions.old_received_at is '修改前的文件收到时间';
comment on column revisions.new_received_at is '更正版收到时间';
comment on column revisions.revision is '第几次更正（1 为第一次）';
comment on column revisions.old_sha256 is '修改前的文件内容指纹';
comment on column revisions.new_sha256 is '更正版的文件内容指纹';
comment on column revisions.old_sheet is '修改前的工作表';
comment on column revisions.new_sheet is '更正版的工作表';
comment on column revisions.old_cell is '修改前的单元格';
comment on column revisions.new_cell is '更正版的单元格';

comment on view closings is '各期关账情况：是否已验收关账，谁、何时、为什么关账和重开。Each period''s closing as it stands.';
comment on column closings.period is '报告期';
comment on column closings.closed is '现在是否已关账';
comment on column closings.closed_at is '最近一次关账时间';
comment on column closings.closed_by is '最近一次关账的操作人';
comment on column closings.close_reason is '最近一次关账的原因';
comment on column closings.reopened_at is '最近一次重开时间';
comment on column closings.reopened_by is '最近一次重开的操作人';
comment on column closings.reopen_reason is '最近一次重开的原因';

comment on view org_period_states is '各单位各期的审核验收进度：已受理 → 已审核 → 已验收。Where each org''s month stands.';
comment on column org_period_states.org_code is '单位代码';
comment on column org_period_states.org_name is '单位名称';
comment on column org_period_states.period is '报告期';
comment on column org_period_states.accepted_returns is '已受理的报表数';
comment on column org_period_states.open_warnings is '已受理报表中待核实（未说明）的提醒条数';
comment on column org_period_states.approved_at is '最近一次审核通过的时间';
comment on column org_period_states.approved_by is '审核人';
comment on column org_period_states.closed_at is '该期验收关账的时间';
comment on column org_period_states.state is 'accepted 已受理 / approved 已审核 / closed 已验收 / none 未受理';
comment on column org_period_states.state_label is '已受理 / 已审核 / 已验收 / 未受理';
