-- Every closing and reopening, to carry over a rebuild.
select * from period_closings order by acted_at;
