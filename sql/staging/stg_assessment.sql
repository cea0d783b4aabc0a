-- stg_assessment: grain one accepted silver assessment row (source_id, logical_date, source_row_ref); 1:1 with raw_assessment.
create view stg_assessment as
select * from raw_assessment
