-- stg_employee: grain one accepted silver employee row (source_id, logical_date, source_row_ref).
-- 1:1 with raw_employee (loaded from the lake by the merge); names normalised for identity checks only.
create view stg_employee as
select
    nip, nik, name, gender, birth_date, religion, employment_type, golongan, tmt_golongan,
    jabatan_name, jabatan_type, jabatan_level, tmt_jabatan, education_level, education_major,
    unit_name, instansi_id, region_code, status, tmt_cpns, updated_at,
    source_id, source_row_ref, run_id, logical_date,
    upper(trim(name)) as name_norm
from raw_employee
