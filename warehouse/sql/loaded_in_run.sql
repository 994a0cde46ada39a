-- The submissions rows one ingest wrote, with their final status: what the run reports (a year of a large district
-- is 150,000 rows, so only the columns it shows).
select sha256, file_name, sheet, org_code, form_code, period, status
from submissions where loaded_at = $loaded_at order by period, org_code, form_code, file_name;
