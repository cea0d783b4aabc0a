"""The DuckDB build: scan the lake in-engine, transform in memory, write each published table once.

Why it differs from the PostgreSQL build (same SQL files, different placement):

- raw, staging and intermediate objects are DuckDB *temp* tables and views (in memory, spilling to disk
  when needed): they are never written to the warehouse file;
- the raw tables are created straight from ``read_parquet`` over the selected partition files (no Arrow
  round trip through Python);
- the marts are created once, in a fresh *build schema* ``<target>__pub_<id>`` of the warehouse file;
- publishing switches the analyst-facing names in ``<target>`` (views) to the new build schema in one
  transaction, then drops the previous build schema. DuckDB cannot move a table between schemas, and
  copying 4.7 M rows inside the publish transaction was the largest single cost of the old publish.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from talenta.warehouse.db import Warehouse, check_identifier, pg_type
from talenta.warehouse.lake_reader import LakePlan, read_files

log = logging.getLogger(__name__)

BUILD_TAG = "__pub_"
_CREATE = re.compile(r"^((?:\s*--[^\n]*\n)*\s*)create\s+(table|view)\s", re.IGNORECASE)
_PATH_PART = r"{key}=([^/\\]+)"
_TABLE_NAME = re.compile(r"^(?:\s*--[^\n]*\n)*\s*create\s+table\s+([A-Za-z_][A-Za-z0-9_]*)\s", re.IGNORECASE)


def build_schema_name(target: str) -> str:
    """A fresh, unique build schema for ``target`` (``<target>__pub_<8 hex>``)."""
    return check_identifier(f"{target}{BUILD_TAG}{uuid.uuid4().hex[:8]}")


def build_schemas(wh: Warehouse, target: str) -> list[str]:
    """Every build schema of ``target`` present in the file (the published one and leftovers)."""
    t = wh.query_arrow(
        "select schema_name from information_schema.schemata where schema_name like ? escape '!' "
        "order by schema_name",
        [target.replace("_", "!_") + "!_!_pub!_%"],
    )
    return t.column(0).to_pylist()


def published_schema(wh: Warehouse, target: str) -> str | None:
    """The build schema the analyst views of ``target`` currently read (None before the first publish)."""
    sql = wh.scalar(
        "select sql from duckdb_views() where schema_name = ? and view_name = 'employee_history'", [target]
    )
    if not sql:
        return None
    m = re.search(re.escape(target + BUILD_TAG) + r"[0-9a-f]{8}", sql)
    return m.group(0) if m else None


def drop_stale_builds(wh: Warehouse, target: str, keep: str | None) -> list[str]:
    """Drop build schemas of ``target`` other than ``keep`` (interrupted or superseded builds)."""
    dropped = []
    for schema in build_schemas(wh, target):
        if schema != keep:
            wh.execute(f"drop schema if exists {check_identifier(schema)} cascade")
            dropped.append(schema)
    return dropped


def as_temp(sql: str) -> str:
    """``create table|view`` → ``create temp table|view`` (the layer stays in memory, off the file)."""
    out, n = _CREATE.subn(lambda m: f"{m.group(1)}create temp {m.group(2)} ", sql, count=1)
    if not n:
        raise ValueError(f"expected the SQL file to start with 'create table' or 'create view': {sql[:120]!r}")
    return out


def _duck_type(field: pa.Field) -> str:
    return pg_type(field.type).replace("double precision", "double")


def _scan_sql(files: list[Path], schema: pa.Schema, present: set[str]) -> str:
    """``select`` over ``read_parquet`` casting every column of ``schema``; path keys fill missing columns."""
    cols = []
    for f in schema:
        typ = _duck_type(f)
        if f.name == "logical_date":  # always the partition's date, never a column of the file
            cols.append(f"cast(regexp_extract(filename, '{_PATH_PART.format(key='logical_date')}', 1) as date) "
                        "as logical_date")
        elif f.name in present:
            cols.append(f'cast("{f.name}" as {typ}) as "{f.name}"')
        elif f.name in ("entity", "source_id"):
            cols.append(f"regexp_extract(filename, '{_PATH_PART.format(key=f.name)}', 1) as \"{f.name}\"")
        else:
            cols.append(f'cast(null as {typ}) as "{f.name}"')
    file_list = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
    return (f"select {', '.join(cols)} from read_parquet([{file_list}], union_by_name = true, "
            "filename = true)")


def load_raw(wh: Warehouse, name: str, files: list[Path], schema: pa.Schema) -> None:
    """Create temp table ``name`` from the partition files in one multi-threaded scan.

    When DuckDB refuses (incompatible types across files), the files are read through Arrow one by one so
    the error names the partition file and column.
    """
    import duckdb

    con = wh.duck
    if not files:
        con.execute(wh.create_table_sql(name, schema).replace("create table", "create temp table", 1))
        return
    try:
        file_list = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
        present = set(con.sql(f"select * from read_parquet([{file_list}], union_by_name = true) limit 0").columns)
        con.execute(f"create or replace temp table {name} as {_scan_sql(files, schema, present)}")
        return
    except duckdb.Error as exc:
        log.warning("in-engine scan of %d files for %s failed (%s); reading them through Arrow", len(files),
                    name, exc)
    register_temp(wh, name, read_files(files, schema))


def register_temp(wh: Warehouse, name: str, table: pa.Table) -> None:
    """Create temp table ``name`` holding ``table`` (Arrow scanned in place, no per-row work)."""
    con = wh.duck
    view = f"_arrow_{uuid.uuid4().hex[:12]}"
    con.register(view, table)
    try:
        con.execute(f"create or replace temp table {check_identifier(name)} as select * from {view}")
    finally:
        con.unregister(view)


# Fact marts that can be carried over from the previous build: raw table → (entity, mart).
FACT_MARTS: dict[str, tuple[str, str]] = {
    "raw_performance": ("performance", "performance_rating"),
    "raw_assessment": ("assessment", "assessment"),
    "raw_discipline": ("discipline", "disciplinary_record"),
    "raw_vacancy": ("vacancy", "vacancy"),
}
MANIFEST = "merge_manifest"


def _file_stats(files: list[Path]) -> pa.Table:
    """(file, size, mtime_ns, source_id, logical_date) of partition files: what identifies their content."""
    stats = [f.stat() for f in files]
    return pa.table({
        "file": pa.array([str(f) for f in files], pa.string()),
        "size": pa.array([st.st_size for st in stats], pa.int64()),
        "mtime_ns": pa.array([st.st_mtime_ns for st in stats], pa.int64()),
        "source_id": pa.array([f.parent.parent.name.split("=", 1)[1] for f in files], pa.string()),
        "logical_date": pa.array([f.parent.name.split("=", 1)[1] for f in files], pa.string()),
    })


def _carry_plan(wh: Warehouse, plan: LakePlan, previous: str | None) -> dict[str, list[Path]]:
    """Fact raw tables whose previously merged partitions are all unchanged → the new files to read.

    A fact mart keeps, per key, the row of the latest (logical_date, source_id, source_row_ref); that is a
    maximum over a set of partitions, so the new maximum is the maximum of the previous mart and the new
    partitions, provided no previously merged partition changed or vanished. Otherwise (or without a
    previous build) the entity is rebuilt from all its partitions.
    """
    if previous is None or not wh.table_exists(f"{previous}.{MANIFEST}"):
        return {}
    prev = wh.query_arrow(f"select raw_table, file, size, mtime_ns from {previous}.{MANIFEST}").to_pylist()
    carry: dict[str, list[Path]] = {}
    for raw, (_entity, mart) in FACT_MARTS.items():
        old = {(r["file"], r["size"], r["mtime_ns"]) for r in prev if r["raw_table"] == raw}
        files = plan.files[raw][0]
        now = {(r["file"], r["size"], r["mtime_ns"]): Path(r["file"]) for r in _file_stats(files).to_pylist()}
        if old and old <= now.keys() and wh.table_exists(f"{previous}.{mart}"):
            carry[raw] = [f for k, f in now.items() if k not in old]
    return carry


def _carry_sql(previous: str, mart: str, schema: pa.Schema, present: list[str]) -> str:
    cols = []
    for f in schema:
        if f.name == "logical_date":
            cols.append("recorded_at as logical_date")
        elif f.name in present:
            cols.append(f'"{f.name}"')
        else:
            cols.append(f'cast(null as {_duck_type(f)}) as "{f.name}"')
    return f"select {', '.join(cols)} from {previous}.{mart}"


def build_duckdb(wh: Warehouse, plan: LakePlan, build: str, salt: str,
                 layers: dict[str, list[str]], previous: str | None = None,
                 on_table: Callable[[str], None] | None = None) -> list[str]:
    """Load ``plan`` and run the SQL ``layers`` (staging, intermediate in memory; marts into ``build``).

    With ``previous`` (the published build schema), fact entities whose merged partitions are unchanged are
    built incrementally: the previous fact mart plus only the new partitions (see ``_carry_plan``); their
    per-partition load counts come from the previous ``merge_manifest``. Returns the entities built so.
    Insertion order is not preserved while building: no published table has a row order (their keys
    define them), and DuckDB writes unordered results about twice as fast. ``on_table(name)`` is called
    after each mart is created (the PostgreSQL merge starts loading it while the build goes on).
    """
    wh.execute("set preserve_insertion_order = false")
    carry = _carry_plan(wh, plan, previous)
    for name, (files, schema) in plan.files.items():
        load_raw(wh, name, carry.get(name, files), schema)
        if name in carry:
            mart = FACT_MARTS[name][1]
            present = wh.query_arrow(f"select * from {previous}.{mart} limit 0").column_names
            wh.execute(f"insert into {name} {_carry_sql(previous, mart, schema, present)}")
    for name, table in plan.small.items():
        register_temp(wh, name, table)
    register_temp(wh, "raw_salt", pa.table({"salt": [salt]}))
    wh.execute(f"create schema {check_identifier(build)}")
    wh.use_schema(build)
    try:
        for layer in ("staging", "intermediate"):
            for sql in layers[layer]:
                wh.execute(as_temp(sql))
        for raw in carry:
            # Carried rows are de-duplicated survivors: count the old partitions as the manifest recorded.
            wh.execute(f"""
                delete from int_silver_counts where entity = '{FACT_MARTS[raw][0]}'
                  and (source_id, logical_date) in (select source_id, cast(logical_date as date)
                                                    from {previous}.{MANIFEST} where raw_table = '{raw}')""")
            wh.execute(f"""
                insert into int_silver_counts
                select source_id, entity, cast(logical_date as date), n from {previous}.{MANIFEST}
                where raw_table = '{raw}' and n > 0""")
        for sql in layers["marts"]:
            wh.execute(sql)
            created = _TABLE_NAME.match(sql)
            if on_table is not None and created:
                on_table(created.group(1))
        _write_manifest(wh, plan, build)
    finally:
        wh.execute("drop table if exists temp.main.raw_salt")
        wh.execute("reset preserve_insertion_order")
    return sorted(FACT_MARTS[raw][0] for raw in carry)


def _write_manifest(wh: Warehouse, plan: LakePlan, build: str) -> None:
    """Record which partition files (and how many rows of each) this build merged, for the next one."""
    parts = []
    for raw, (entity, _mart) in {**FACT_MARTS, "raw_employee": ("employee", "employee_history")}.items():
        t = _file_stats(plan.files[raw][0])
        parts.append(t.append_column("raw_table", pa.array([raw] * t.num_rows, pa.string()))
                      .append_column("entity", pa.array([entity] * t.num_rows, pa.string())))
    register_temp(wh, "manifest_files", pa.concat_tables(parts))
    wh.execute(f"""
        create table {build}.{MANIFEST} as
        select m.raw_table, m.entity, m.file, m.size, m.mtime_ns, m.source_id, m.logical_date,
               coalesce(c.n, 0) as n
        from manifest_files m
        left join int_silver_counts c
          on c.entity = m.entity and c.source_id = m.source_id and cast(c.logical_date as varchar) = m.logical_date""")
    wh.execute("drop table temp.main.manifest_files")


def publish_duckdb(wh: Warehouse, build: str, target: str, tables: tuple[str, ...], view_sql: list[str]) -> None:
    """Point ``target``'s published names at ``build`` and recreate the analyst views, in one transaction."""
    b, t = check_identifier(build), check_identifier(target)
    with wh.transaction():
        for name in ("employee_current_analyst", "employee_history_analyst", *tables):
            wh.drop_relation(f"{t}.{name}")  # a table in files published before build schemas existed
        for name in tables:
            wh.execute(f"create view {t}.{name} as select * from {b}.{name}")
        wh.use_schema(t)
        for sql in view_sql:
            wh.execute(sql)
