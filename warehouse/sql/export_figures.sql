-- The figures of one period, for export.
select * from figures where period = $period;
