-- A 说明 that gave no reason stays queried until every warning of its indicator is explained another way; then it
-- is answered by those explanations.
update findings as f
set explained = true,
    explanation = (select string_agg(distinct g.explanation, '；') from findings g
                   where g.sha256 = f.sha256 and g.indicator_code = f.indicator_code and g.severity = 'warning'
                     and g.rule <> 'explanation_boilerplate')
where f.rule = 'explanation_boilerplate' and not coalesce(f.explained, false)
  and not exists (select 1 from findings g
                  where g.sha256 = f.sha256 and g.indicator_code = f.indicator_code and g.severity = 'warning'
                    and g.rule <> 'explanation_boilerplate' and not coalesce(g.explained, false));
