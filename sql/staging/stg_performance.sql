-- stg_performance: grain one accepted silver performance row (source_id, logical_date, source_row_ref); 1:1 with raw_performance.
create view stg_performance as
select * from raw_performance
