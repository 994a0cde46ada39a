-- Every finding of the files $shas, in the order the audit wrote them.
select * from findings where list_contains($shas, sha256) order by rowid;
