-- identity_conflict: grain one (nip, field, value) where a NIP carries more than one name or birth date
-- across sources or over time; key (nip, field, value). Kept for review, never resolved by guessing.
create table identity_conflict as
with vals as (
    select distinct nip, 'name' as field, name_norm as value, source_id, logical_date
    from stg_employee where name_norm is not null
    union
    select distinct nip, 'birth_date', cast(birth_date as varchar), source_id, logical_date
    from stg_employee where birth_date is not null
),
conflicted as (
    select nip, field from vals group by nip, field having count(distinct value) > 1
),
per_source as (
    select v.nip, v.field, v.value, v.source_id,
           min(v.logical_date) as first_seen, max(v.logical_date) as last_seen
    from vals v join conflicted c on c.nip = v.nip and c.field = v.field
    group by v.nip, v.field, v.value, v.source_id
)
select
    nip, field, value,
    string_agg(source_id, ',' order by source_id) as source_ids,
    min(first_seen) as first_seen,
    max(last_seen) as last_seen
from per_source
group by nip, field, value
