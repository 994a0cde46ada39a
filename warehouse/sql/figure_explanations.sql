-- The 说明 of the findings of $rules on the returns of $period, per return and indicator.
select f.sha256, f.sheet, f.indicator_code, bool_and(coalesce(f.explained, false)) as explained,
       string_agg(distinct f.explanation, '；') as explanation
from findings f
where list_contains($rules, f.rule)
  and exists (select 1 from submissions s where s.sha256 = f.sha256 and s.sheet = f.sheet and s.period = $period)
group by f.sha256, f.sheet, f.indicator_code;
