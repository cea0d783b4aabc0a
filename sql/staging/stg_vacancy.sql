-- stg_vacancy: grain one accepted silver vacancy row (source_id, logical_date, source_row_ref); 1:1 with raw_vacancy.
create view stg_vacancy as
select * from raw_vacancy
