-- One closing or reopening of a period.
insert into period_closings values ($period, $action, $acted_at, $who, $reason);
