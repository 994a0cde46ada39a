-- Each archived file with its fingerprint, of every load or only of one ($loaded_at null: every load).
select distinct sha256, archive_path, first(file_name) over (partition by sha256) as file_name
from submissions
where archive_path is not null and ($loaded_at is null or loaded_at = $loaded_at);
