-- The returns received (duplicates aside), of the files $shas or of $period (and those with no period read),
-- each with its org, its first error and how many of its warnings nobody has explained yet.
select
    s.sha256, s.sheet, s.file_name, s.file_path, s.archive_path, s.org_code, o.org_name, s.form_code, s.period,
    s.status, s.n_errors, s.n_warnings, s.received_at, s.loaded_at,
    (select min_by(f.message, f.rowid) from findings f
     where f.sha256 = s.sha256 and f.severity = 'error' and (f.sheet is null or f.sheet = s.sheet)) as first_error,
    (select count(*) from findings f
     where f.sha256 = s.sha256 and f.severity = 'warning' and not coalesce(f.explained, false)
       and (f.sheet is null or f.sheet = s.sheet)) as open_warnings
from submissions s
left join orgs o on o.org_code = s.org_code
where s.status <> 'duplicate'
  and ($shas is null or list_contains($shas, s.sha256))
  and ($period is null or s.period = $period or s.period is null)
order by s.received_at, s.file_name, s.sheet;
