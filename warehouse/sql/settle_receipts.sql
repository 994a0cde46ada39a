-- Receipts written from what the warehouse held at $as_of: nothing more is owed for these files up to then (a file
-- owed again since, its month scored again by another writer, stays owed).
delete from receipts_owed where list_contains($shas, sha256) and owed_at <= $as_of;
