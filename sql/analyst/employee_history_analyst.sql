-- employee_history_analyst: employee_history without direct identifiers (key nip, valid_from).
create view employee_history_analyst as
select
    nip, nik_hash, gender, extract(year from birth_date) as birth_year, employment_type, golongan,
    tmt_golongan, jabatan_name, jabatan_type, jabatan_level, tmt_jabatan, education_level, unit_name,
    instansi_id, region_code, status, valid_from, valid_to, is_current, recorded_at
from employee_history
