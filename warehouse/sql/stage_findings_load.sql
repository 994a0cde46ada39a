-- Every finding of this ingest's files into findings.
insert into findings by name
select sha256, file_name, sheet, cell, form_code, indicator_code, severity, rule, value_found, message, expected,
       explained, explanation
from stage_findings;
