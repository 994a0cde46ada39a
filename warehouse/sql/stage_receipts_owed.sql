-- Each file this ingest loaded (copies aside) is owed a receipt until one is written.
insert into receipts_owed
select distinct sha256, $loaded_at from stage_files where role = 'original';
