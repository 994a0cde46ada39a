-- What a 填报模板 pre-fills from an earlier period $at: each org's 本年累计 per indicator, read as the audit reads
-- the earlier periods it checks against (previous_ytd.sql), so that the template shows what the audit will use.
select org_code, form_code, indicator_code, ytd_value as ytd
from figures
where period = $at and ytd_value is not null;
