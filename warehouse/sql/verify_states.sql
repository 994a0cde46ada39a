-- Returns recorded more than once for the same file at the same path: every return received has one state.
select file_name, file_path, sha256, sheet, count(*) as n, string_agg(status, '、') as statuses
from submissions
group by file_name, file_path, sha256, sheet
having count(*) > 1;
