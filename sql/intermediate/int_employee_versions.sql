-- int_employee_versions: grain one distinct employee state per NIP (nip, valid_from).
-- A state is the set of business columns (updated_at excluded: it changes without a new decree).
-- Its validity starts at the latest decree date (TMT jabatan / golongan) in the record, so a late,
-- retroactive decree lands at its TMT; recorded_at is the first logical date we saw that state.
-- Two states with the same TMT (a correction of the same decree): the one learned last wins.
create table int_employee_versions as
with hashed as (
    select
        e.*,
        md5(concat_ws('|',
            coalesce(nik, '~'), coalesce(name, '~'), coalesce(gender, '~'),
            coalesce(cast(birth_date as varchar), '~'), coalesce(religion, '~'),
            coalesce(employment_type, '~'), coalesce(golongan, '~'),
            coalesce(cast(tmt_golongan as varchar), '~'), coalesce(jabatan_name, '~'),
            coalesce(jabatan_type, '~'), coalesce(jabatan_level, '~'),
            coalesce(cast(tmt_jabatan as varchar), '~'), coalesce(education_level, '~'),
            coalesce(education_major, '~'), coalesce(unit_name, '~'), coalesce(instansi_id, '~'),
            coalesce(region_code, '~'), coalesce(status, '~'), coalesce(cast(tmt_cpns as varchar), '~')
        )) as row_hash,
        coalesce(greatest(tmt_jabatan, tmt_golongan), tmt_cpns, logical_date) as effective_from
    from stg_employee e
),
first_seen as (
    select
        h.*,
        row_number() over (
            partition by nip, row_hash order by logical_date, source_id, source_row_ref
        ) as seen_rank,
        min(effective_from) over (partition by nip, row_hash) as state_from
    from hashed h
),
states as (
    select * from first_seen where seen_rank = 1
),
ranked as (
    select
        s.*,
        row_number() over (
            partition by nip, state_from order by logical_date desc, source_id desc, row_hash
        ) as tmt_rank
    from states s
)
select
    nip, nik, name, gender, birth_date, religion, employment_type, golongan, tmt_golongan,
    jabatan_name, jabatan_type, jabatan_level, tmt_jabatan, education_level, education_major,
    unit_name, instansi_id, region_code, status, tmt_cpns, updated_at,
    case when nik is null then null else md5(concat((select salt from raw_salt), nik)) end as nik_hash,
    state_from as valid_from,
    lead(state_from) over (partition by nip order by state_from) as valid_to,
    logical_date as recorded_at,
    source_id, source_row_ref, run_id, row_hash
from ranked
where tmt_rank = 1
