-- Every explanation the office recorded, to carry over a rebuild.
select * from explanations order by recorded_at;
