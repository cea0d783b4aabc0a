-- quarantined_record: grain one quarantined row; key (source_id, entity, logical_date, source_row_ref).
-- failed_checks and reasons are lists (DuckDB varchar[], PostgreSQL text[]); record is JSON text.
-- region_code is the source's region (from the registry): regional row-level security filters on it.
create table quarantined_record as
select q.run_id, q.source_id, q.entity, q.logical_date, q.source_row_ref, q.nip, q.failed_checks, q.reasons,
       q.record, s.region_code
from raw_quarantine q
left join raw_source s on s.source_id = q.source_id
