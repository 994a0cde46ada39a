-- Version 5: a received file's size (with its modification time, what tells an unchanged file without reading it
-- again), and the receipts owed for the files a run loaded until they are written.
alter table submissions add column if not exists file_size bigint;
create table if not exists receipts_owed (
    sha256 varchar not null,
    loaded_at timestamp not null
);
