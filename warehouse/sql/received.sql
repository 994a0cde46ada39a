-- Files already received, with what tells an unchanged file without reading it (path, modification time, size).
select file_path, sha256, max(received_at) as received_at, max(file_size) as file_size
from submissions
group by file_path, sha256;
