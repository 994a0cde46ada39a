-- Files received but never read (links, folders, files too large to keep): they have no archived bytes to read again.
select * from submissions where archive_path is null;
