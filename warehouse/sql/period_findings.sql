-- What the 回执 of $period's files say of them: each of their findings, as a 回执 shows it.
select f.sha256, f.rule, f.severity, coalesce(f.sheet, '') as sheet, coalesce(f.cell, '') as cell,
       coalesce(f.indicator_code, '') as indicator_code, coalesce(f.message, '') as message,
       coalesce(f.explained, false) as explained, coalesce(f.explanation, '') as explanation
from findings f
where exists (select 1 from submissions s where s.sha256 = f.sha256 and s.period = $period);
