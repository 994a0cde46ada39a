-- Every figure a correction changed in the returns of $period, for the office's board.
select * from revisions
where period = $period
order by org_code, form_code, revision, indicator_code, list_position(['month', 'ytd', 'prior_ytd', 'text'], measure);
