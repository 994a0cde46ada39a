comment on column indicators.decimals is '写出时保留的小数位数（按计量单位：万元、元、平方米、亩为2位，个数为0位）';
comment on table months is '月份及其累计期的写法（1月、1-6月）。Month numbers and their year-to-date labels.';
comment on column months.month is '月份 1-12';
comment on column months.ytd_label is '截至该月的累计期，如 1-6月';
