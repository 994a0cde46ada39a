-- A file whose bytes were received before: one row per return of the original, counted nowhere.
insert into submissions by name
select distinct on (sheet)
    sha256, sheet, $file_name as file_name, $file_path as file_path, archive_path, org_code, form_code, period,
    'duplicate' as status, 0 as n_errors, 0 as n_warnings, $received_at as received_at, $loaded_at as loaded_at,
    $file_size as file_size
from submissions
where sha256 = $sha256 and status <> 'duplicate'
order by sheet, loaded_at;
