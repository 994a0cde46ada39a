-- 2023年5月各单位的审核验收进度（已受理 → 已审核 → 已验收）
select org_name, state_label, accepted_returns, open_warnings, approved_by, closed_at
from org_period_states
where period = '2023-05-01'
order by org_code;
