-- The projects of one period, for export.
select * from projects where period = $period;
