-- Each archived file with its fingerprint, of every load or only of one ($loaded_at null: every load).
select sha256, archive_path, any_value(file_name) as file_name
from submissions
where archive_path is not null and ($loaded_at is null or loaded_at = $loaded_at)
group by sha256, archive_path;
