-- A file whose bytes were received before: one row per return of the original, counted nowhere.
insert into submissions
select distinct on (sheet)
    sha256, sheet, $file_name, $file_path, archive_path, org_code, form_code, period, 'duplicate', 0, 0,
    $received_at, $loaded_at
from submissions
where sha256 = $sha256 and status <> 'duplicate'
order by sheet, loaded_at;
