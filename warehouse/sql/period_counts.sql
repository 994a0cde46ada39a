-- How many returns of $period the warehouse holds in each status, every revision counted.
select status, count(*) as n from submissions where period = $period group by status order by status;
