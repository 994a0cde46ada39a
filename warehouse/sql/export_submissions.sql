-- The submissions of one period, for export.
select * from submissions where period = $period;
