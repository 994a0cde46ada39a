-- The findings of the returns of one period (and of files whose period could not be read), for export.
select f.*
from findings f
where f.sha256 in (select sha256 from submissions where period = $period or period is null);
