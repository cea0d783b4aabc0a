-- PostgreSQL access control for the published warehouse. Applied by talenta.warehouse.security inside the
-- publish transaction (publish recreates the tables, and with them their grants and policies), so there is
-- no moment where a published table is readable without its row-level security.
-- Placeholders (validated identifiers, filled in by Python): {schema} the published schema,
-- {analyst_role} the read-only analyst group role, {region_role} the regional-office group role.
-- Regional logins are members of {region_role}; {schema}.region_access maps each login to its region(s)
-- (talenta.warehouse.security.grant_region). It is not a published table, so publish keeps it.
do $$
begin
    create role {analyst_role} nologin;
exception when duplicate_object or unique_violation then
    null;  -- exists already (perhaps created by a concurrent publish of another schema): all we need
end $$;
do $$
begin
    create role {region_role} nologin;
exception when duplicate_object or unique_violation then
    null;
end $$;

create table if not exists {schema}.region_access (
    role_name text not null,
    region_code text not null,
    primary key (role_name, region_code)
);
alter table {schema}.region_access enable row level security;
drop policy if exists own_rows on {schema}.region_access;
create policy own_rows on {schema}.region_access for select to {region_role}
    using (role_name = current_user);

-- Nobody but the owner writes: start every published object from no privileges at all.
revoke all on all tables in schema {schema} from public, {analyst_role}, {region_role};
grant usage on schema {schema} to {analyst_role}, {region_role};

-- analyst: read-only; person data only through the de-identified views.
grant select on {schema}.dim_region, {schema}.dim_instansi, {schema}.performance_rating, {schema}.assessment,
    {schema}.disciplinary_record, {schema}.vacancy, {schema}.source_sync, {schema}.dq_check_result,
    {schema}.employee_current_analyst, {schema}.employee_history_analyst
    to {analyst_role};

-- regional office: reference dimensions in full, regional tables only for the region(s) of the login.
grant select on {schema}.dim_region, {schema}.dim_instansi, {schema}.region_access to {region_role};
grant select on {schema}.employee_current, {schema}.employee_history, {schema}.source_sync,
    {schema}.quarantined_record, {schema}.dq_check_result
    to {region_role};
alter table {schema}.employee_current enable row level security;
alter table {schema}.employee_history enable row level security;
alter table {schema}.source_sync enable row level security;
alter table {schema}.quarantined_record enable row level security;
alter table {schema}.dq_check_result enable row level security;
create policy region_only on {schema}.employee_current for select to {region_role}
    using (region_code in (select a.region_code from {schema}.region_access a where a.role_name = current_user));
create policy region_only on {schema}.employee_history for select to {region_role}
    using (region_code in (select a.region_code from {schema}.region_access a where a.role_name = current_user));
create policy region_only on {schema}.source_sync for select to {region_role}
    using (region_code in (select a.region_code from {schema}.region_access a where a.role_name = current_user));
create policy region_only on {schema}.quarantined_record for select to {region_role}
    using (region_code in (select a.region_code from {schema}.region_access a where a.role_name = current_user));
create policy region_only on {schema}.dq_check_result for select to {region_role}
    using (region_code in (select a.region_code from {schema}.region_access a where a.role_name = current_user));
-- The analyst may read all of source_sync and dq_check_result (national monitoring); RLS applies to every
-- role without a policy, so give the analyst an explicit all-rows policy.
create policy analyst_all on {schema}.source_sync for select to {analyst_role} using (true);
create policy analyst_all on {schema}.dq_check_result for select to {analyst_role} using (true);
