-- identity_conflict: grain one (nip, field, value) where a NIP carries more than one name or birth date
-- across sources or over time; key (nip, field, value). Kept for review, never resolved by guessing.
-- Conflicted NIPs are found first with one min/max pass (two distinct non-null values differ in min and
-- max), so only their few rows are expanded per value: a distinct/union over every employee row cost 4x.
create table identity_conflict as
with flags as (
    select nip,
           min(name_norm) <> max(name_norm) as name_conflict,
           min(birth_date) <> max(birth_date) as birth_conflict
    from stg_employee
    group by nip
    having min(name_norm) <> max(name_norm) or min(birth_date) <> max(birth_date)
),
vals as (
    select e.nip, 'name' as field, e.name_norm as value, e.source_id, e.logical_date
    from stg_employee e join flags f on f.nip = e.nip
    where f.name_conflict and e.name_norm is not null
    union all
    select e.nip, 'birth_date', cast(e.birth_date as varchar), e.source_id, e.logical_date
    from stg_employee e join flags f on f.nip = e.nip
    where f.birth_conflict and e.birth_date is not null
),
per_source as (
    select nip, field, value, source_id, min(logical_date) as first_seen, max(logical_date) as last_seen
    from vals
    group by nip, field, value, source_id
)
select
    nip, field, value,
    string_agg(source_id, ',' order by source_id) as source_ids,
    min(first_seen) as first_seen,
    max(last_seen) as last_seen
from per_source
group by nip, field, value
