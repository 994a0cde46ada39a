-- Version 2: values computed from formulas are marked; forms and departments become tables.
alter table figure_values add column if not exists computed boolean default false;
create table if not exists departments (
    department varchar primary key
);
create table if not exists forms (
    form_code varchar primary key,
    title varchar not null,
    department varchar not null,
    layout varchar not null
);
