-- Every figure of $period's staged returns (every revision is kept; the views pick the accepted ones).
insert into figure_values by name
select sha256, sheet, org_code, form_code, period, indicator_code, measure, value, text_value, raw, cell,
       unit_found, factor, computed
from stage_records
where period is not distinct from $period and form_code is not null;
