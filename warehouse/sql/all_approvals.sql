-- Every approval, to carry over a rebuild.
select * from approvals order by approved_at;
