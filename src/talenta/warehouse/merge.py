"""The warehouse merge: lake → build → audit → one-step publish (→ gold Parquet).

The merge rebuilds the published state from the mergeable lake partitions, so a re-run with the same lake
gives the same tables, and a held partition simply falls back to what the source delivered before. On
DuckDB, fact tables whose merged partitions are all unchanged are rebuilt from the previous published
facts plus the new partitions only (same result as a full rebuild, which ``incremental=False`` forces).
Transformations are the SQL files in ``sql/`` (staging → intermediate → marts, analyst views); where they
run per engine is described in ``talenta.warehouse.duck_build`` and ``_merge_postgres``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from talenta.settings import home
from talenta.warehouse.audit import PUBLISHED_TABLES, AuditError, audit, publish
from talenta.warehouse.db import COPY_CHUNK_ROWS, Warehouse, pg_loader
from talenta.warehouse.lake_reader import LakeInputs, plan_lake, read_lake
from talenta.warehouse.security import Roles, apply_security

log = logging.getLogger(__name__)

LAYERS = ("staging", "intermediate", "marts")
# Parallel COPY connections when loading a DuckDB-built state into PostgreSQL (the machine has 2 cores).
LOAD_WORKERS = int(os.environ.get("TALENTA_PG_LOAD_WORKERS", "2"))


def sql_dir() -> Path:
    """The folder holding the warehouse SQL (``$TALENTA_HOME/sql``)."""
    return Path(os.environ.get("TALENTA_SQL_DIR", home() / "sql"))


def sql_files(layer: str) -> list[Path]:
    """SQL files of one layer, in execution order (file name order)."""
    files = sorted((sql_dir() / layer).glob("*.sql"))
    if not files:
        raise FileNotFoundError(f"no SQL files in {sql_dir() / layer}; set TALENTA_SQL_DIR or restore sql/")
    return files


def _statement(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def analyst_salt() -> str:
    """Salt for hashing NIK in the analyst views (``TALENTA_ANALYST_SALT``; never logged)."""
    salt = os.environ.get("TALENTA_ANALYST_SALT")
    if not salt:
        log.warning("TALENTA_ANALYST_SALT is not set; using a development salt (set it in production)")
        salt = "talenta-dev-salt"
    return salt


@dataclass
class MergeResult:
    """What a merge did: row counts of the published tables, the partitions it skipped, timings."""

    published: bool
    target_schema: str
    row_counts: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    incremental: list[str] = field(default_factory=list)  # entities built from the previous state + new data

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for XCom and logs)."""
        return {"published": self.published, "target_schema": self.target_schema,
                "row_counts": self.row_counts, "skipped": self.skipped, "timings": self.timings, "incremental": self.incremental}


def build(wh: Warehouse, inputs: LakeInputs, staging: str) -> None:
    """Load ``inputs`` into a fresh ``staging`` schema and run the staging, intermediate and mart SQL."""
    cascade = " cascade"
    wh.execute(f"drop schema if exists {staging}{cascade}")
    wh.execute(f"create schema {staging}")
    wh.use_schema(staging)
    for name, table in inputs.tables.items():
        wh.replace_table(name, table)
    wh.replace_table("raw_salt", pa.table({"salt": [analyst_salt()]}))
    try:
        for layer in LAYERS:
            for f in sql_files(layer):
                wh.execute(_statement(f))
    finally:
        wh.execute("drop table if exists raw_salt")


def table_checksum(wh: Warehouse, table: str) -> tuple[int, str]:
    """(row count, order-independent checksum) of a table, equal across DuckDB and PostgreSQL.

    Rows are rendered in Python from Arrow values, so engine-specific text casts cannot differ.
    """
    t = wh.query_arrow(f"select * from {table}")
    cols = sorted(t.column_names)
    lines = sorted(
        "|".join(_canon(row[c]) for c in cols) for row in t.select(cols).to_pylist()
    )
    return t.num_rows, hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _canon(v: Any) -> str:
    if v is None:
        return "∅"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None).isoformat()
    if isinstance(v, list):
        return "[" + ",".join(_canon(x) for x in v) + "]"
    return str(v)


def merge(
    url: str | None = None,
    *,
    schema: str | None = None,
    lake_root: Path | None = None,
    logical_date: str | None = None,
    write_gold: bool = True,
    before_publish: Callable[[Warehouse, str], None] | None = None,
    roles: Roles | None = None,
    pg_build: str = "duckdb",
    incremental: bool = True,
) -> MergeResult:
    """Merge the lake into the warehouse at ``url`` (default ``TALENTA_WAREHOUSE_URL``).

    Builds the new state (DuckDB: in a fresh build schema ``<target>__pub_<id>`` whose tables the names
    in ``<target>`` then view; PostgreSQL: in ``<target>_staging``, whose tables are then moved into
    ``<target>``), audits it and publishes it in one transaction; raises
    ``AuditError`` (nothing published) when the audit fails. ``before_publish`` is a hook called between
    audit and publish (tests use it to interrupt a merge). On PostgreSQL the publish also applies
    ``sql/security`` for ``roles`` (default from the environment, see ``talenta.warehouse.security``).
    ``logical_date`` labels the gold partition; by default it is the newest logical date with run records
    in the lake (the date the merged state is "as of"), so a re-run with the same lake writes the same
    partition. ``incremental`` (DuckDB): fact tables whose merged partitions are unchanged are rebuilt
    from the published ones plus the new partitions only; ``False`` forces the full rebuild (same result,
    tested). ``pg_build`` chooses where PostgreSQL's new state is computed (see ``_merge_postgres``).
    """
    timings: dict[str, float] = {}
    counts: dict[str, int] = {}  # filled by a merge that already knows them (the PostgreSQL load checks them)
    t0 = time.perf_counter()
    def gold(source: Warehouse, schema: str, newest: str | None) -> None:
        # The published tables as Parquet: after the publish, from the state just published.
        if write_gold:
            from talenta.warehouse.gold import write_gold as _write_gold

            t4 = time.perf_counter()
            _write_gold(source, logical_date or newest or dt.date.today().isoformat(), root=lake_root,
                        schema=schema)
            timings["gold_s"] = round(time.perf_counter() - t4, 3)

    with Warehouse(url, schema=schema) as wh:
        if wh.is_postgres:
            result = _merge_postgres(wh, lake_root, before_publish, roles, timings, pg_build, counts, gold)
        else:
            result = _merge_duckdb(wh, lake_root, before_publish, timings, incremental)
            gold(wh, wh.target_schema, result[2])  # (the newest logical date merged)
        target, skipped, _newest, carried = result
        # Counting 19 M freshly loaded PostgreSQL rows costs ~5-9 s at national scale: only when not known.
        counts = counts or {t: int(wh.scalar(f"select count(*) from {target}.{t}")) for t in PUBLISHED_TABLES}
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    log.info("warehouse published to %s: %s", target, counts)
    return MergeResult(True, target, counts, skipped, timings, carried)


def _layers() -> dict[str, list[str]]:
    return {layer: [_statement(f) for f in sql_files(layer)] for layer in LAYERS}


def _merge_duckdb(
    wh: Warehouse, lake_root: Path | None, before_publish: Callable[[Warehouse, str], None] | None,
    timings: dict[str, float], incremental: bool,
) -> tuple[str, list[dict[str, Any]], str | None, list[str]]:
    """DuckDB: in-engine scan, temp staging, marts into a fresh build schema, publish by switching views."""
    from talenta.warehouse.duck_build import (
        build_duckdb,
        build_schema_name,
        drop_stale_builds,
        publish_duckdb,
        published_schema,
    )

    t = time.perf_counter()
    plan = plan_lake(lake_root)
    timings["read_lake_s"] = round(time.perf_counter() - t, 3)
    target = wh.target_schema
    t = time.perf_counter()
    # Leftovers of an interrupted merge (or of the pre-view layout) are never read by anyone: drop them.
    drop_stale_builds(wh, target, keep=published_schema(wh, target))
    wh.execute(f"drop schema if exists {target}_staging cascade")
    build_schema = build_schema_name(target)
    previous = published_schema(wh, target) if incremental else None
    carried = build_duckdb(wh, plan, build_schema, analyst_salt(), _layers(), previous=previous)
    if carried:
        log.info("incremental merge: %s carried over from %s plus new partitions only", carried, previous)
    timings["build_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    failures = audit(wh, build_schema, counts_table="int_silver_counts")
    timings["audit_s"] = round(time.perf_counter() - t, 3)
    if failures:
        raise AuditError(failures, build_schema)
    if before_publish is not None:
        before_publish(wh, build_schema)
    t = time.perf_counter()
    publish_duckdb(wh, build_schema, target, PUBLISHED_TABLES, [_statement(f) for f in sql_files("analyst")])
    drop_stale_builds(wh, target, keep=build_schema)
    timings["publish_s"] = round(time.perf_counter() - t, 3)
    return target, plan.skipped, plan.newest_date, carried


def _merge_postgres(
    wh: Warehouse, lake_root: Path | None, before_publish: Callable[[Warehouse, str], None] | None,
    roles: Roles | None, timings: dict[str, float], pg_build: str, counts: dict[str, int],
    gold: Callable[[Warehouse, str, str | None], None],
) -> tuple[str, list[dict[str, Any]], str | None, list[str]]:
    """PostgreSQL: build and audit (DuckDB in memory, or in PostgreSQL itself), COPY into staging, publish,
    then ``gold(source, schema, newest)``.

    ``pg_build="duckdb"`` (default) runs the same SQL files on an in-memory DuckDB, audits there and COPYs
    only the published tables into ``<target>_staging``, checking the loaded row counts; after the publish
    the gold Parquet is written from that DuckDB build (the published rows, without reading 20 M rows back
    out of PostgreSQL). ``"postgres"`` loads the raw lake tables and runs the SQL inside PostgreSQL (slower;
    kept to prove the SQL portable); gold then streams from PostgreSQL.
    """
    target = wh.target_schema
    staging = f"{target}_staging"

    def publish_staging() -> None:
        if before_publish is not None:
            before_publish(wh, staging)
        t = time.perf_counter()
        views = [_statement(f) for f in sql_files("analyst")]
        # Grants and row-level security go in the same transaction as the new tables: no reader ever
        # sees a published table without its policies.
        with wh.transaction():
            publish(wh, staging, target, views)
            apply_security(wh, target, roles)
        wh.execute(f"drop schema if exists {staging} cascade")
        timings["publish_s"] = round(time.perf_counter() - t, 3)

    if pg_build == "postgres":
        t = time.perf_counter()
        inputs = read_lake(lake_root)
        timings["read_lake_s"] = round(time.perf_counter() - t, 3)
        skipped, newest = inputs.skipped, inputs.newest_date
        t = time.perf_counter()
        build(wh, inputs, staging)
        timings["build_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        failures = audit(wh, staging)
        timings["audit_s"] = round(time.perf_counter() - t, 3)
        if failures:
            raise AuditError(failures, staging)
        publish_staging()
        gold(wh, target, newest)
    elif pg_build == "duckdb":
        from talenta.warehouse.duck_build import build_duckdb

        t = time.perf_counter()
        plan = plan_lake(lake_root)
        timings["read_lake_s"] = round(time.perf_counter() - t, 3)
        skipped, newest = plan.skipped, plan.newest_date
        with Warehouse("duckdb://") as mem, StagingLoad(wh, mem, "build", staging) as load:
            t = time.perf_counter()
            # Each published table starts loading as soon as DuckDB has built it (staging is private until
            # the publish): PostgreSQL ingests while DuckDB builds the next tables and audits.
            build_duckdb(mem, plan, "build", analyst_salt(), _layers(), on_table=load.submit)
            timings["build_s"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            failures = audit(mem, "build", counts_table="int_silver_counts")
            timings["audit_s"] = round(time.perf_counter() - t, 3)
            if failures:
                load.cancel()
                wh.execute(f"drop schema if exists {staging} cascade")  # the tables loaded so far
                raise AuditError(failures, f"in-memory DuckDB build of {target!r}", kept=False)
            t = time.perf_counter()
            counts.update(load.finish())  # what PostgreSQL reported loaded, checked equal to the audited build
            timings["load_wait_s"] = round(time.perf_counter() - t, 3)
            timings["load_s"] = load.elapsed
            publish_staging()
            gold(mem, "build", newest)
    else:
        raise ValueError(f"pg_build must be 'duckdb' or 'postgres', not {pg_build!r}")
    return target, skipped, newest, []


class StagingLoad:
    """Bulk-load the published tables of ``mem.build_schema`` into a fresh ``staging`` schema of ``wh``.

    ``submit(table)`` starts loading one table (the build calls it as each table is created); ``finish()``
    loads whatever was not submitted, waits for all and checks that the rows PostgreSQL reports loaded
    equal the built ones (else ``AuditError``: nothing is published). Each table streams from DuckDB as
    Arrow batches (one batch in memory at a time) through a DuckDB cursor of its own into its own
    PostgreSQL connection (binary COPY through ADBC when installed, else CSV COPY: ``load_stream``), on
    ``LOAD_WORKERS`` threads. Leaving the ``with`` block cancels what has not started and waits for the rest.
    """

    def __init__(self, wh: Warehouse, mem: Warehouse, build_schema: str, staging: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.wh, self.mem, self.build, self.staging = wh, mem, build_schema, staging
        wh.execute(f"drop schema if exists {staging} cascade")
        wh.execute(f"create schema {staging}")
        self._pool = ThreadPoolExecutor(LOAD_WORKERS, thread_name_prefix="pg-load")
        self._jobs: dict[str, tuple[int, Any]] = {}
        self.seconds: dict[str, float] = {}
        self._started: float | None = None
        self._ended = 0.0

    def __enter__(self) -> StagingLoad:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def submit(self, table: str) -> None:
        """Start loading ``table`` if it is a published table not submitted yet (called between statements)."""
        if table not in PUBLISHED_TABLES or table in self._jobs:
            return
        if self._started is None:
            self._started = time.perf_counter()
        size = int(self.mem.scalar(f"select count(*) from {self.build}.{table}"))
        cur = self.mem.duck.cursor()  # a connection of its own to the same database, made on this thread
        self._jobs[table] = (size, self._pool.submit(self._load, table, cur))

    def _load(self, table: str, cur: Any) -> int:
        t = time.perf_counter()
        try:
            rel = cur.sql(f"select * from {self.build}.{table}")
            reader = (rel.to_arrow_reader(COPY_CHUNK_ROWS) if hasattr(rel, "to_arrow_reader")
                      else rel.fetch_record_batch(COPY_CHUNK_ROWS))
            with Warehouse(self.wh.url) as con:
                loaded = con.load_stream(f"{self.staging}.{table}", reader)
        finally:
            cur.close()
        self.seconds[table] = round(time.perf_counter() - t, 2)
        self._ended = time.perf_counter()
        return loaded

    def finish(self) -> dict[str, int]:
        """Load the rest (largest first), wait for every table, check the counts; the rows of each table."""
        rest = [t for t in PUBLISHED_TABLES if t not in self._jobs]
        sizes = {t: int(self.mem.scalar(f"select count(*) from {self.build}.{t}")) for t in rest}
        for table in sorted(rest, key=lambda t: -sizes[t]):
            self.submit(table)
        loaded = {t: f.result() for t, (_size, f) in self._jobs.items()}
        self._pool.shutdown()
        wrong = [f"{t}: built {size} rows, loaded {loaded[t]}" for t, (size, _f) in self._jobs.items()
                 if loaded[t] != size]
        if wrong:
            raise AuditError(wrong, self.staging)
        log.info("loaded %s rows into %s (%s); seconds per table: %s", sum(loaded.values()), self.staging,
                 "binary COPY, ADBC" if pg_loader() else "CSV COPY", self.seconds)
        return {t: loaded[t] for t in PUBLISHED_TABLES}

    @property
    def elapsed(self) -> float:
        """Seconds from the first table submitted to the last one loaded."""
        return round(self._ended - self._started, 3) if self._started is not None else 0.0

    def cancel(self) -> None:
        """Drop loads not started yet and wait for the running ones (their staging tables are discarded)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def load_tables(wh: Warehouse, mem: Warehouse, build_schema: str, staging: str) -> dict[str, int]:
    """Load every published table of an already built ``mem.build_schema`` (see ``StagingLoad``)."""
    with StagingLoad(wh, mem, build_schema, staging) as load:
        return load.finish()


def as_known_on(wh: Warehouse, known_on: str, valid_on: str | None = None) -> pa.Table:
    """Employee states "as we knew them on ``known_on``", valid on ``valid_on`` (default ``known_on``).

    Only states recorded on or before ``known_on`` count; among them the latest ``valid_from`` on or before
    ``valid_on`` is the state of each NIP.
    """
    valid_on = valid_on or known_on
    return wh.query_arrow(
        """
        select * from (
            select h.*, row_number() over (partition by nip order by valid_from desc) as rk
            from employee_history h
            where recorded_at <= cast(? as date) and valid_from <= cast(? as date)
        ) t where rk = 1 order by nip
        """,
        [known_on, valid_on],
    ).drop(["rk"])
