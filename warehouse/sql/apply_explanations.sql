-- Mark the warnings the office explained (its latest reason per file, rule and indicator).
update findings as f
set explained = true, explanation = e.reason
from (
    select sha256, rule, indicator_code, reason
    from explanations
    qualify row_number() over (partition by sha256, rule, indicator_code order by recorded_at desc) = 1
) as e
where f.sha256 = e.sha256 and f.rule = e.rule and f.severity = 'warning'
  and (e.indicator_code is null or f.indicator_code = e.indicator_code);
