-- The files $shas are owed their 回执 again (what it says is no longer what the warehouse holds), as of this
-- transaction: one already owed is owed once more, later, so that a 回执 being written from the findings before
-- settles only the earlier debt. Each is dated by when it was loaded, so that it is written with its month's.
insert into receipts_owed (sha256, loaded_at, owed_at)
select s.sha256, min(s.loaded_at), now()::timestamp
from submissions s
where list_contains($shas, s.sha256)
group by s.sha256;
