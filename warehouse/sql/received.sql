-- Files already received: (path, sha256) pairs and every sha256 seen.
select distinct file_path, sha256 from submissions;
