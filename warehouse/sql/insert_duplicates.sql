-- The files of this load whose bytes were received before: for each, one row per return of the original, counted
-- nowhere. One statement for all of them (a folder received again under other paths is thousands of files).
insert into submissions by name
select distinct on (d.file_path, d.received_at, s.sheet)
    s.sha256, s.sheet, d.file_name, d.file_path, s.archive_path, s.org_code, s.form_code, s.period,
    'duplicate' as status, 0 as n_errors, 0 as n_warnings, d.received_at, $loaded_at as loaded_at, d.file_size
from stage_files d
join submissions s on s.sha256 = d.sha256 and s.status <> 'duplicate'
where d.role = 'duplicate'
order by d.file_path, d.received_at, s.sheet, s.loaded_at;
