-- The closing of $period as it stands (one row, or none if it was never closed).
select * from closings where period = $period;
