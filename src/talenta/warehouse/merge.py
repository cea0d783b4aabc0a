"""The warehouse merge: lake → staging schema → audit → one-step publish (→ gold Parquet).

Every merge rebuilds the whole state from all mergeable lake partitions, so a re-run with the same lake
gives the same tables, and a held partition simply falls back to what the source delivered before.
Transformations are the SQL files in ``sql/`` (staging → intermediate → marts, analyst views), the same
files on DuckDB and PostgreSQL.
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
from talenta.warehouse.db import Warehouse
from talenta.warehouse.lake_reader import LakeInputs, read_lake
from talenta.warehouse.security import Roles, apply_security

log = logging.getLogger(__name__)

LAYERS = ("staging", "intermediate", "marts")


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

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for XCom and logs)."""
        return {"published": self.published, "target_schema": self.target_schema,
                "row_counts": self.row_counts, "skipped": self.skipped, "timings": self.timings}


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
) -> MergeResult:
    """Merge the lake into the warehouse at ``url`` (default ``TALENTA_WAREHOUSE_URL``).

    Builds the new state in ``<target>_staging``, audits it and publishes it in one transaction; raises
    ``AuditError`` (nothing published) when the audit fails. ``before_publish`` is a hook called between
    audit and publish (tests use it to interrupt a merge). On PostgreSQL the publish also applies
    ``sql/security`` for ``roles`` (default from the environment, see ``talenta.warehouse.security``).
    ``logical_date`` labels the gold partition; by default it is the newest logical date with run records
    in the lake (the date the merged state is "as of"), so a re-run with the same lake writes the same
    partition.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    inputs = read_lake(lake_root)
    timings["read_lake_s"] = round(time.perf_counter() - t0, 3)
    with Warehouse(url, schema=schema) as wh:
        target = wh.target_schema
        staging = f"{target}_staging"
        t1 = time.perf_counter()
        build(wh, inputs, staging)
        timings["build_s"] = round(time.perf_counter() - t1, 3)
        t2 = time.perf_counter()
        failures = audit(wh, staging)
        timings["audit_s"] = round(time.perf_counter() - t2, 3)
        if failures:
            raise AuditError(failures, staging)
        if before_publish is not None:
            before_publish(wh, staging)
        t3 = time.perf_counter()
        views = [_statement(f) for f in sql_files("analyst")]
        # Grants and row-level security go in the same transaction as the new tables: no reader ever
        # sees a published table without its policies.
        with wh.transaction():
            publish(wh, staging, target, views)
            apply_security(wh, target, roles)
        wh.execute(f"drop schema if exists {staging} cascade")
        timings["publish_s"] = round(time.perf_counter() - t3, 3)
        counts = {t: int(wh.scalar(f"select count(*) from {target}.{t}")) for t in PUBLISHED_TABLES}
        if write_gold:
            from talenta.warehouse.gold import write_gold as _write_gold

            t4 = time.perf_counter()
            _write_gold(wh, logical_date or inputs.newest_date or dt.date.today().isoformat(), root=lake_root)
            timings["gold_s"] = round(time.perf_counter() - t4, 3)
    timings["total_s"] = round(time.perf_counter() - t0, 3)
    log.info("warehouse published to %s: %s", target, counts)
    return MergeResult(True, target, counts, inputs.skipped, timings)


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
