-- Where one ingest gathers what its workers read, before any of it is loaded: dropped with the connection.
create or replace temp table stage_files (
    file_path varchar, file_name varchar, sha256 varchar, received_at timestamp, file_size bigint,
    archive_path varchar, role varchar  -- original | duplicate | skipped
);
create or replace temp table stage_returns (
    sha256 varchar, file_name varchar, sheet varchar, org_code varchar, form_code varchar, period date,
    folder_period date, period_cell varchar
);
create or replace temp table stage_records (
    sha256 varchar, sheet varchar, file_name varchar, org_code varchar, form_code varchar, period date,
    indicator_code varchar, measure varchar, value double, text_value varchar, raw varchar, cell varchar,
    unit_found varchar, factor double, computed boolean
);
create or replace temp table stage_projects (
    sha256 varchar, sheet varchar, project_name varchar, status varchar, total_investment double, location varchar,
    industry varchar, responsible varchar, name_cell varchar, status_cell varchar, investment_cell varchar,
    investment_raw varchar
);
create or replace temp table stage_findings (
    sha256 varchar, file_name varchar, sheet varchar, cell varchar, form_code varchar, indicator_code varchar,
    severity varchar, rule varchar, value_found varchar, message varchar, expected varchar, explained boolean,
    explanation varchar
);
create or replace temp table stage_notes (sha256 varchar, sheet varchar, cell varchar, text varchar, about varchar);
