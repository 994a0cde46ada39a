-- 说明: a warning stays in findings; `explained` says it is accounted for, `explanation` how (a note in the
-- return, or the office's reason recorded with `statreturns explain`). `expected` is what should be there instead.
alter table findings add column if not exists expected varchar;
alter table findings add column if not exists explained boolean default false;
alter table findings add column if not exists explanation varchar;
comment on column findings.expected is '应为：正确的数应是多少或应满足什么（如 600、≤ 1200）';
comment on column findings.explained is '提醒是否已说明（报表中的“说明”或统计局登记的说明）；已说明的不再待核实';
comment on column findings.explanation is '说明的内容';

-- Every explanation the office recorded, latest last: by file (sha256), rule and, optionally, indicator.
create table if not exists explanations (
    sha256 varchar not null,
    file_name varchar not null,
    rule varchar not null,
    indicator_code varchar,  -- null: every warning of the rule in the file
    reason varchar not null,
    recorded_at timestamp not null
);
comment on table explanations is '统计局登记的提醒说明（statreturns explain），按时间先后；同一文件、规则、指标以最后一次为准。';
comment on column explanations.sha256 is '文件内容指纹';
comment on column explanations.file_name is '文件名';
comment on column explanations.rule is '审核规则代码（见 docs/rules.md）';
comment on column explanations.indicator_code is '指标代码；为空时说明该文件该规则的全部提醒';
comment on column explanations.reason is '说明的原因';
comment on column explanations.recorded_at is '登记时间';
