-- stg_discipline: grain one accepted silver discipline row (source_id, logical_date, source_row_ref); 1:1 with raw_discipline.
create view stg_discipline as
select * from raw_discipline
