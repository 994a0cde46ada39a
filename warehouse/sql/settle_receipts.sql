-- Receipts written: nothing more is owed for these files.
delete from receipts_owed where list_contains($shas, sha256);
