-- Every distinct file received, in the order it was received, with its archived copy and size.
select file_path, sha256, min(archive_path) as archive_path, min(received_at) as received_at,
       max(file_size) as file_size, min(loaded_at) as loaded_at
from submissions
group by file_path, sha256
order by min(loaded_at), min(received_at), file_path;
