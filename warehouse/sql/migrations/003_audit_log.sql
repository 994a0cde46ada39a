-- Version 3: who did what to the warehouse, as the office and its auditors read it.
create table if not exists audit_log (
    logged_at timestamp not null,
    who varchar not null,
    action varchar not null,
    what varchar,
    sha256 varchar,
    detail varchar
);
