-- disciplinary_record: grain one discipline fact; key (nip, decided_on, penalty). Duplicates across sources and dates are collapsed to the
-- row from the latest logical date (then source_id, source_row_ref) so each key appears once.
create table disciplinary_record as
select nip, decided_on, level, penalty, ends_on, source_id, source_row_ref, run_id, logical_date as recorded_at
from (
    select s.*, row_number() over (
        partition by nip, decided_on, penalty order by logical_date desc, source_id desc, source_row_ref desc
    ) as rn
    from stg_discipline s
) t
where rn = 1
