"""Write-audit-publish: check the staged state, then publish it in one transaction.

The audit runs on the staging schema. It fails when keys are not unique, a NIP has not exactly one current
state, validity periods overlap, or accepted/quarantined counts do not reconcile with ``source_sync``.
A failed audit publishes nothing: readers keep the previous state, and the staging schema is left in place
for diagnosis.
"""

from __future__ import annotations

from talenta.warehouse.db import Warehouse, check_identifier

# Natural key of every published table (the grain stated in sql/README.md).
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "dim_region": ("region_code",),
    "dim_instansi": ("instansi_id",),
    "employee_history": ("nip", "valid_from"),
    "identity_conflict": ("nip", "field", "value"),
    "employee_current": ("nip",),
    "performance_rating": ("nip", "year"),
    "assessment": ("nip", "assessed_on", "method"),
    "disciplinary_record": ("nip", "decided_on", "penalty"),
    "vacancy": ("vacancy_id",),
    "source_sync": ("run_id", "source_id", "entity"),
    "quarantined_record": ("source_id", "entity", "logical_date", "source_row_ref"),
    "dq_check_result": ("run_id", "source_id", "entity", "rule"),
}
PUBLISHED_TABLES: tuple[str, ...] = tuple(TABLE_KEYS)


class AuditError(RuntimeError):
    """The staged warehouse failed its audit; nothing was published. ``failures`` lists each reason."""

    def __init__(self, failures: list[str], staging: str, *, kept: bool = True) -> None:
        self.failures = failures
        where = (f"staging schema {staging!r} kept for diagnosis" if kept
                 else f"{staging} discarded; re-run the merge to reproduce it")
        super().__init__(f"warehouse audit failed, nothing published ({where}):\n- " + "\n- ".join(failures))


def _examples(wh: Warehouse, sql: str) -> list[str]:
    t = wh.query_arrow(sql + " limit 5")
    return [", ".join(f"{k}={v}" for k, v in row.items()) for row in t.to_pylist()]


def audit(wh: Warehouse, staging: str, counts_table: str | None = None) -> list[str]:
    """Return the audit failures of the staged state in ``staging`` (empty list: it may be published).

    ``counts_table`` names ``int_silver_counts`` when it is not in ``staging`` (the DuckDB build keeps its
    intermediate tables in memory, reachable by their unqualified name).
    """
    s = check_identifier(staging)
    counts = check_identifier(counts_table) if counts_table else f"{s}.int_silver_counts"
    failures: list[str] = []
    if wh.is_postgres:
        for table in (*PUBLISHED_TABLES, "int_silver_counts"):
            wh.execute(f"analyze {s}.{table}")
    for table, key in TABLE_KEYS.items():
        cols = ", ".join(key)
        bad = _examples(wh, f"select {cols}, count(*) as n from {s}.{table} group by {cols} having count(*) > 1")
        if bad:
            failures.append(f"{table}: key ({cols}) not unique, e.g. {bad}")
    bad = _examples(wh, f"""
        select nip, sum(case when is_current then 1 else 0 end) as current_rows
        from {s}.employee_history group by nip
        having sum(case when is_current then 1 else 0 end) <> 1""")
    if bad:
        failures.append(f"employee_history: NIPs without exactly one current row, e.g. {bad}")
    # A window instead of a self-join: linear, and no plan surprises on fresh, unanalysed tables.
    bad = _examples(wh, f"""
        select nip, valid_from, valid_to, next_from as overlapping_from from (
            select nip, valid_from, valid_to,
                   lead(valid_from) over (partition by nip order by valid_from) as next_from
            from {s}.employee_history) t
        where next_from is not null and (valid_to is null or valid_to > next_from)""")
    if bad:
        failures.append(f"employee_history: overlapping validity periods, e.g. {bad}")
    bad = _examples(wh, f"""
        select source_id, entity, logical_date, rows_extracted, rows_accepted, rows_quarantined
        from {s}.source_sync
        where status = 'success'
          and rows_extracted <> coalesce(rows_accepted, 0) + coalesce(rows_quarantined, 0)""")
    if bad:
        failures.append(f"source_sync: rows_extracted <> rows_accepted + rows_quarantined, e.g. {bad}")
    bad = _examples(wh, f"""
        select y.source_id, y.entity, y.logical_date, y.rows_accepted, coalesce(c.n, 0) as rows_loaded
        from {s}.source_sync y
        left join {counts} c
          on c.source_id = y.source_id and c.entity = y.entity and c.logical_date = y.logical_date
        where y.status = 'success' and coalesce(y.rows_accepted, 0) <> coalesce(c.n, 0)""")
    if bad:
        failures.append(
            "silver rows do not reconcile with source_sync.rows_accepted (re-run the sync of these "
            f"partitions), e.g. {bad}"
        )
    bad = _examples(wh, f"""
        select y.source_id, y.entity, y.logical_date, y.rows_quarantined, coalesce(q.n, 0) as rows_loaded
        from {s}.source_sync y
        left join (select source_id, entity, logical_date, count(*) as n from {s}.quarantined_record
                   group by source_id, entity, logical_date) q
          on q.source_id = y.source_id and q.entity = y.entity and q.logical_date = y.logical_date
        where y.status = 'success' and coalesce(y.rows_quarantined, 0) <> coalesce(q.n, 0)""")
    if bad:
        failures.append(
            "quarantine rows do not reconcile with source_sync.rows_quarantined (re-run the sync of these "
            f"partitions), e.g. {bad}"
        )
    return failures


def publish(wh: Warehouse, staging: str, target: str, view_sql: list[str]) -> None:
    """Replace the published PostgreSQL tables in ``target`` by the staged ones, and recreate the analyst views.

    One transaction: readers see the old state until the commit, then the new one. The staged tables are
    moved, not copied (a catalog change, not millions of rows). DuckDB publishes differently, by switching
    views to a new build schema (``talenta.warehouse.duck_build``).
    """
    if not wh.is_postgres:
        raise ValueError("publish() moves tables between PostgreSQL schemas; DuckDB publishes in duck_build")
    s, t = check_identifier(staging), check_identifier(target)
    with wh.transaction():
        for name in ("employee_current_analyst", "employee_history_analyst"):
            wh.execute(f"drop view if exists {t}.{name} cascade")
        for table in PUBLISHED_TABLES:
            wh.execute(f"drop table if exists {t}.{table} cascade")
            wh.execute(f"alter table {s}.{table} set schema {t}")
        wh.use_schema(t)
        for sql in view_sql:
            wh.execute(sql)
