-- vacancy: grain one vacancy fact; key (vacancy_id). Duplicates across sources and dates are collapsed to the
-- row from the latest logical date (then source_id, source_row_ref) so each key appears once.
create table vacancy as
select vacancy_id, instansi_id, region_code, jabatan_name, jabatan_type, jabatan_level, min_golongan, min_education, sector, opened_on, source_id, source_row_ref, run_id, logical_date as recorded_at
from (
    select s.*, row_number() over (
        partition by vacancy_id order by logical_date desc, source_id desc, source_row_ref desc
    ) as rn
    from stg_vacancy s
) t
where rn = 1
