-- performance_rating: grain one performance fact; key (nip, year). Duplicates across sources and dates are collapsed to the
-- row from the latest logical date (then source_id, source_row_ref) so each key appears once.
create table performance_rating as
select nip, year, hasil_kerja, perilaku_kerja, predikat, source_id, source_row_ref, run_id, logical_date as recorded_at
from (
    select s.*, row_number() over (
        partition by nip, year order by logical_date desc, source_id desc, source_row_ref desc
    ) as rn
    from stg_performance s
) t
where rn = 1
