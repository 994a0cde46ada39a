-- The notes (说明) staged for the returns of $period.
select n.* from stage_notes n
where n.sha256 in (select sha256 from stage_returns where period = $period);
