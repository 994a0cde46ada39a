-- The files $shas are owed their 回执 again (what it says is no longer what the warehouse holds), unless one is owed
-- already; as of when they were loaded, so that each is written with its month's.
insert into receipts_owed
select s.sha256, min(s.loaded_at)
from submissions s
where list_contains($shas, s.sha256) and s.sha256 not in (select sha256 from receipts_owed)
group by s.sha256;
