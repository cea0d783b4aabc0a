-- dq_check_result: grain one rule per (run_id, source_id, entity); key (run_id, source_id, entity, rule).
-- region_code is the source's region (from the registry): regional row-level security filters on it.
create table dq_check_result as
select d.run_id, d.source_id, d.entity, d.logical_date, d.rule, d.severity, d.rows_checked, d.rows_failed,
       d.passed, d.example_refs, s.region_code
from raw_dq d
left join raw_source s on s.source_id = d.source_id
