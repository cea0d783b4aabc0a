-- PostgreSQL roles for the published warehouse (schema public by default; run after each publish,
-- because publish recreates the tables). Run as the warehouse owner: psql -f sql/security/postgres_roles.sql
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'talenta_analyst') then
        create role talenta_analyst nologin;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'talenta_region') then
        create role talenta_region nologin;
    end if;
end $$;

-- analyst: read-only, person data only through the de-identified views.
grant usage on schema public to talenta_analyst, talenta_region;
grant select on dim_region, dim_instansi, performance_rating, assessment, disciplinary_record, vacancy,
    source_sync, dq_check_result, identity_conflict, employee_current_analyst, employee_history_analyst
    to talenta_analyst;

-- region role: sees only rows of the region set in the session (set talenta.region_code = '6110').
grant select on employee_current, employee_history, source_sync, dq_check_result, quarantined_record,
    dim_region, dim_instansi to talenta_region;
alter table employee_current enable row level security;
alter table employee_history enable row level security;
alter table source_sync enable row level security;
create policy region_only on employee_current for select to talenta_region
    using (region_code = current_setting('talenta.region_code', true));
create policy region_only on employee_history for select to talenta_region
    using (region_code = current_setting('talenta.region_code', true));
create policy region_only on source_sync for select to talenta_region
    using (region_code = current_setting('talenta.region_code', true));
