-- The district_figures of one period, for export.
select * from district_figures where period = $period;
