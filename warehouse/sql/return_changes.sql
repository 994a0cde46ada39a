-- The figures the return $sha256 changed against the revision it corrected (empty for a first return).
select * from revisions
where new_sha256 = $sha256
order by form_code, indicator_code, list_position(['month', 'ytd', 'prior_ytd', 'text'], measure);
