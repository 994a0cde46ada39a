-- The stored 本年累计 a return of $period is checked against: the month before's and the same month last year's,
-- of accepted returns (read from the base tables, not the figures view, which pivots every return ever loaded).
select s.org_code, s.form_code, v.indicator_code, s.period, max(v.value) filter (where v.measure = 'ytd') as ytd
from submissions s
join figure_values v on v.sha256 = s.sha256 and v.sheet = s.sheet
where s.status = 'accepted' and s.period in ($period - interval 1 month, $period - interval 12 month)
group by s.org_code, s.form_code, v.indicator_code, s.period
having ytd is not null;
