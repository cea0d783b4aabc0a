-- quarantined_record: grain one quarantined row; key (source_id, entity, logical_date, source_row_ref).
-- failed_checks and reasons are lists (DuckDB varchar[], PostgreSQL text[]); record is JSON text.
create table quarantined_record as
select run_id, source_id, entity, logical_date, source_row_ref, nip, failed_checks, reasons, record
from raw_quarantine
