-- int_silver_counts: grain (source_id, entity, logical_date); accepted rows loaded per partition,
-- used by the audit to reconcile with source_sync.
create table int_silver_counts as
select source_id, 'employee' as entity, logical_date, count(*) as n from raw_employee group by 1, 2, 3
union all
select source_id, 'performance', logical_date, count(*) from raw_performance group by 1, 2, 3
union all
select source_id, 'assessment', logical_date, count(*) from raw_assessment group by 1, 2, 3
union all
select source_id, 'discipline', logical_date, count(*) from raw_discipline group by 1, 2, 3
union all
select source_id, 'vacancy', logical_date, count(*) from raw_vacancy group by 1, 2, 3
