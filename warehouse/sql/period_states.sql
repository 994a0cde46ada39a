-- Where each org's month $period stands: 已受理 → 已审核 → 已验收.
select * from org_period_states where period = $period order by org_code;
