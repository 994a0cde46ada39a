-- Each error-free return of $period counts its warnings again, after a refresh rewrote some.
update submissions as s
set n_warnings = (select count(*) from findings f
                  where f.sha256 = s.sha256 and f.severity = 'warning' and (f.sheet is null or f.sheet = s.sheet))
where s.period = $period and s.status in ('accepted', 'superseded');
