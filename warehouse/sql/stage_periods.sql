-- The periods of the returns staged by this ingest, oldest first, returns with no period read last.
select distinct period from stage_returns order by period nulls last;
