-- employee_current: grain one active civil servant (status '01' in the current state); key nip.
-- Canonical employee columns, plus lineage and has_identity_conflict.
create table employee_current as
select
    h.nip, h.nik, h.name, h.gender, h.birth_date, h.religion, h.employment_type, h.golongan,
    h.tmt_golongan, h.jabatan_name, h.jabatan_type, h.jabatan_level, h.tmt_jabatan, h.education_level,
    h.education_major, h.unit_name, h.instansi_id, h.region_code, h.status, h.tmt_cpns, h.updated_at,
    h.nik_hash, h.valid_from, h.recorded_at, h.source_id, h.source_row_ref, h.run_id,
    exists (select 1 from identity_conflict c where c.nip = h.nip) as has_identity_conflict
from employee_history h
where h.is_current and h.status = '01'
