-- Version 6: the decimals each indicator is written with, and the months' year-to-date labels, as the catalogue
-- states them (written again with the other dimension tables at each load).
alter table indicators add column if not exists decimals integer default 0;
create table if not exists months (
    month integer primary key,
    ytd_label varchar not null
);
