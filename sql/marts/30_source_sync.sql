-- source_sync: grain one (run_id, source_id, entity) from the run records; key (run_id, source_id, entity).
create table source_sync as
select run_id, source_id, entity, logical_date, status, rows_extracted, rows_accepted, rows_quarantined,
       reason, error, duration_s, kind, dialect, region_code, instansi_id, run_status, started_at, finished_at
from raw_source_sync
