-- The submissions rows one ingest wrote, with their final status.
select * from submissions where loaded_at = $loaded_at order by period, org_code, form_code, file_name;
