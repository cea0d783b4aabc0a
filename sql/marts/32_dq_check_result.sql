-- dq_check_result: grain one rule per (run_id, source_id, entity); key (run_id, source_id, entity, rule).
create table dq_check_result as
select run_id, source_id, entity, logical_date, rule, severity, rows_checked, rows_failed, passed, example_refs
from raw_dq
