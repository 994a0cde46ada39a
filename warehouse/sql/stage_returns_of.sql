-- The staged returns of $period, as a finding about each names them.
select sha256, file_name, sheet, form_code, period_cell from stage_returns where period = $period;
