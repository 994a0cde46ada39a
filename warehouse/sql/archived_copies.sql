-- Where the archived bytes of the files $shas are kept.
select sha256, min(file_name) as file_name, min(archive_path) as archive_path
from submissions
where list_contains($shas, sha256)
group by sha256;
