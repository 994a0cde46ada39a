-- The files the portal account $who uploaded, newest first, from the audit log.
select logged_at, what as file_name, sha256, detail from audit_log
where who = $who and action = 'upload'
order by logged_at desc;
