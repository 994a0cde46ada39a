-- Before a refresh of $period, on every return of the period: the findings of the $rules it rewrites, and the
-- notes-without-reason on indicators with no warning of the audit's own (the refresh found those too).
delete from findings as f
where exists (select 1 from submissions s where s.sha256 = f.sha256 and s.period = $period)
  and (list_contains($rules, f.rule)
       or (f.rule = 'explanation_boilerplate' and not exists (
            select 1 from findings g
            where g.sha256 = f.sha256 and g.indicator_code = f.indicator_code and g.severity = 'warning'
              and g.rule <> 'explanation_boilerplate' and not list_contains($rules, g.rule))));
