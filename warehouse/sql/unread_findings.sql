-- The findings of the files received but never read.
select f.* from findings f where f.sha256 in (select sha256 from submissions where archive_path is null);
