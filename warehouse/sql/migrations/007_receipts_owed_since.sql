-- Version 7: when each receipt became owed, so that writing a file's 回执 settles only what was owed when its
-- findings were read, and a file owed again meanwhile (its month scored again by another writer) stays owed.
alter table receipts_owed add column if not exists owed_at timestamp;
update receipts_owed set owed_at = loaded_at where owed_at is null;
