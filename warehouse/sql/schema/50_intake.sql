comment on column submissions.file_size is '文件大小（字节）；与修改时间一起判断文件是否已收过';
comment on table receipts_owed is '已入库、回执尚未写出的文件，以及重新比对后审核结果有变、回执须重写的文件；写出回执后删除（运行中断时下次运行补写）。Receipts owed until written.';
comment on column receipts_owed.sha256 is '文件内容指纹';
comment on column receipts_owed.loaded_at is '入库时间';
comment on column receipts_owed.owed_at is '欠下回执的时间（审核结果有变时再次记欠）';
