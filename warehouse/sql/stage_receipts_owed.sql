-- Each file this ingest loaded (copies aside) is owed a receipt until one is written, as of this transaction.
insert into receipts_owed (sha256, loaded_at, owed_at)
select distinct sha256, $loaded_at, now()::timestamp from stage_files where role = 'original';
