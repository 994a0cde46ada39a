-- The (file, indicator) pairs of the files $shas that carry a warning of the audit's own (not one of $rules).
select distinct sha256, indicator_code
from findings
where list_contains($shas, sha256) and severity = 'warning' and indicator_code is not null
  and not list_contains($rules, rule);
