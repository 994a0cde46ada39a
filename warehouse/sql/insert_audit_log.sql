-- One line of the audit log.
insert into audit_log values ($logged_at, $who, $action, $what, $sha256, $detail);
