-- The files owed a receipt (loaded, receipt not yet written), oldest first.
select sha256, min(loaded_at) as loaded_at from receipts_owed group by sha256 order by 2, 1;
