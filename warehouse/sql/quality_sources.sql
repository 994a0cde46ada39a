-- Where each numeric figure of forms $forms in the accepted returns of $period came from: the file, sheet and cells
-- a query names.
select s.org_code, v.form_code, v.indicator_code,
       max(v.cell) filter (where v.measure = 'month') as month_cell,
       max(v.cell) filter (where v.measure = 'ytd') as ytd_cell,
       max(v.raw) filter (where v.measure = 'month') as month_raw,
       max(v.raw) filter (where v.measure = 'ytd') as ytd_raw,
       s.sha256, s.sheet, s.file_name
from submissions s
join figure_values v on v.sha256 = s.sha256 and v.sheet = s.sheet
where s.status = 'accepted' and s.period = $period and s.org_code is not null and v.measure in ('month', 'ytd')
  and list_contains($forms, v.form_code)
group by s.org_code, v.form_code, v.indicator_code, s.sha256, s.sheet, s.file_name;
