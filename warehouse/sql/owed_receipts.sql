-- The files owed a receipt (loaded, receipt not yet written), of $shas or (null) all of them, oldest first, each with
-- the first month its returns report on (null when none was read), so that they can be written a month at a time,
-- and the latest time it was owed, up to which writing it settles.
select o.sha256, min(o.loaded_at) as loaded_at, min(s.period) as period, max(o.owed_at) as owed_at
from receipts_owed o
left join submissions s on s.sha256 = o.sha256
where $shas is null or list_contains($shas, o.sha256)
group by o.sha256
order by 2, 3 nulls last, 1;
