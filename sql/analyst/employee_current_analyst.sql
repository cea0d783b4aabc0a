-- employee_current_analyst: employee_current without direct identifiers (grain and key as employee_current).
create view employee_current_analyst as
select
    nip, nik_hash, gender, extract(year from birth_date) as birth_year, employment_type, golongan,
    tmt_golongan, jabatan_name, jabatan_type, jabatan_level, tmt_jabatan, education_level, education_major,
    unit_name, instansi_id, region_code, status, tmt_cpns, valid_from, has_identity_conflict
from employee_current
