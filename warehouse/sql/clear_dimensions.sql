-- Emptied before the catalogue and registry in force are written again.
delete from orgs;
delete from departments;
delete from forms;
delete from indicators;
delete from months;
