-- 已有数据的报告期
select label, ytd_label from periods order by period;
