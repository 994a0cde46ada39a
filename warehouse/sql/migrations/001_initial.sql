-- Version 1: the warehouse's first tables.
create table if not exists orgs (
    org_code varchar primary key,
    org_name varchar not null,
    level varchar
);
create table if not exists indicators (
    form_code varchar not null,
    indicator_code varchar not null,
    indicator_name varchar not null,
    unit varchar,
    kind varchar not null,
    yoy boolean not null,
    department varchar not null,
    primary key (form_code, indicator_code)
);
create table if not exists submissions (
    sha256 varchar not null,
    sheet varchar,
    file_name varchar not null,
    file_path varchar not null,
    archive_path varchar,
    org_code varchar,
    form_code varchar,
    period date,
    status varchar not null check (status in ('accepted', 'rejected', 'duplicate', 'superseded')),
    n_errors integer not null,
    n_warnings integer not null,
    received_at timestamp not null,
    loaded_at timestamp not null
);
create table if not exists findings (
    sha256 varchar not null,
    file_name varchar not null,
    sheet varchar,
    cell varchar,
    form_code varchar,
    indicator_code varchar,
    severity varchar not null check (severity in ('error', 'warning')),
    rule varchar not null,
    value_found varchar,
    message varchar not null
);
create table if not exists figure_values (
    sha256 varchar not null,
    sheet varchar not null,
    org_code varchar,
    form_code varchar not null,
    period date,
    indicator_code varchar not null,
    measure varchar not null,
    value double,
    text_value varchar,
    raw varchar,
    cell varchar not null,
    unit_found varchar,
    factor double not null
);
create table if not exists project_rows (
    sha256 varchar not null,
    sheet varchar not null,
    project_name varchar,
    status varchar,
    total_investment double,
    location varchar,
    industry varchar,
    responsible varchar,
    cell varchar
);
