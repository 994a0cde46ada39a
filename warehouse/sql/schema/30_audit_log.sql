comment on table audit_log is '操作日志：谁在什么时候做了什么（上传报表、登记说明、关账、重开、账号变更……）。Who did what, when.';
comment on column audit_log.logged_at is '时间';
comment on column audit_log.who is '操作人（网页账号，或命令行的系统用户）';
comment on column audit_log.action is '操作，如 upload、explain、close、reopen、user_add';
comment on column audit_log.what is '操作对象，如 文件名、期别、账号名';
comment on column audit_log.sha256 is '涉及的文件内容指纹（如有）';
comment on column audit_log.detail is '补充说明，如 原因';
