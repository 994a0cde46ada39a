-- 被退回的报表及原因
select file_name, cell, rule, message
from findings
where severity = 'error'
order by file_name, cell;
