-- $period's staged returns (or those with no period read, when $period is null) into submissions, each with its
-- error and warning counts and its verdict before supersession.
insert into submissions by name
select
    r.sha256, r.sheet, r.file_name, f.file_path, f.archive_path, r.org_code, r.form_code, r.period,
    case when coalesce(n.n_errors, 0) > 0 then 'rejected' else 'accepted' end as status,
    coalesce(n.n_errors, 0) as n_errors, coalesce(n.n_warnings, 0) as n_warnings,
    f.received_at, $loaded_at as loaded_at, f.file_size
from stage_returns r
join stage_files f on f.sha256 = r.sha256 and f.role = 'original'
left join (
    select sha256, sheet,
           count(*) filter (where severity = 'error') as n_errors,
           count(*) filter (where severity = 'warning') as n_warnings
    from stage_findings
    group by sha256, sheet
) n on n.sha256 = r.sha256 and n.sheet is not distinct from r.sheet
where r.period is not distinct from $period;
