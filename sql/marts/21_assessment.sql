-- assessment: grain one assessment fact; key (nip, assessed_on, method). Duplicates across sources and dates are collapsed to the
-- row from the latest logical date (then source_id, source_row_ref) so each key appears once.
create table assessment as
select nip, assessed_on, method, jpm_pct, potensi_score, kompetensi_manajerial, kompetensi_sosiokultural, kompetensi_teknis, source_id, source_row_ref, run_id, logical_date as recorded_at
from (
    select s.*, row_number() over (
        partition by nip, assessed_on, method order by logical_date desc, source_id desc, source_row_ref desc
    ) as rn
    from stg_assessment s
) t
where rn = 1
