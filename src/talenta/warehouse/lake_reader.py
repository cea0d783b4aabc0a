"""Read the merge's inputs from the lake: silver, quarantine and dq partitions plus the run records.

A silver partition is merged only when its run record says the source ran and the entity's status is
``success``; held or failed partitions (and partitions without a run record, which nothing can reconcile)
are skipped and listed, so a held source keeps its previously merged rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from talenta.domain import agencies, regions
from talenta.domain.schemas import ENTITIES, silver_schema
from talenta.lake.layout import state_dir
from talenta.settings import lake_dir

log = logging.getLogger(__name__)

QUARANTINE_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("source_id", pa.string()), ("entity", pa.string()),
    ("logical_date", pa.date32()), ("source_row_ref", pa.string()), ("nip", pa.string()),
    ("failed_checks", pa.list_(pa.string())), ("reasons", pa.list_(pa.string())), ("record", pa.string()),
])
DQ_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("source_id", pa.string()), ("entity", pa.string()),
    ("logical_date", pa.date32()), ("rule", pa.string()), ("severity", pa.string()),
    ("rows_checked", pa.int64()), ("rows_failed", pa.int64()), ("passed", pa.bool_()),
    ("example_refs", pa.list_(pa.string())),
])
SOURCE_SYNC_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("source_id", pa.string()), ("entity", pa.string()),
    ("logical_date", pa.date32()), ("status", pa.string()), ("rows_extracted", pa.int64()),
    ("rows_accepted", pa.int64()), ("rows_quarantined", pa.int64()), ("reason", pa.string()),
    ("error", pa.string()), ("duration_s", pa.float64()), ("kind", pa.string()), ("dialect", pa.string()),
    ("region_code", pa.string()), ("instansi_id", pa.string()), ("run_status", pa.string()),
    ("started_at", pa.string()), ("finished_at", pa.string()),
])


def raw_schema(entity: str) -> pa.Schema:
    """Schema of a raw_<entity> staging table: silver columns, dq_warnings and the partition's date."""
    return silver_schema(entity).append(pa.field("dq_warnings", pa.list_(pa.string()))).append(
        pa.field("logical_date", pa.date32())
    )


@dataclass
class LakeInputs:
    """Everything the merge loads into staging, as Arrow tables named like the raw_* staging tables."""

    tables: dict[str, pa.Table]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    newest_date: str | None = None  # newest logical date with a run record (what the state is "as of")


def _partitions(zone_dir: Path) -> list[tuple[str, str, Path]]:
    """(source_id, logical_date, file) for every part-0.parquet under one zone/entity folder."""
    out = []
    for f in sorted(zone_dir.glob("source_id=*/logical_date=*/part-0.parquet")):
        out.append((f.parent.parent.name.split("=", 1)[1], f.parent.name.split("=", 1)[1], f))
    return out


def _conform(table: pa.Table, schema: pa.Schema, where: Path) -> pa.Table:
    """Select and cast ``table`` to ``schema``; a missing optional column becomes nulls."""
    cols = []
    for f in schema:
        if f.name in table.column_names:
            try:
                cols.append(table.column(f.name).cast(f.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ValueError(
                    f"{where}: column {f.name!r} has type {table.column(f.name).type}, expected {f.type}; "
                    "re-run the sync for this partition with the current canonical schema"
                ) from exc
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.table(cols, schema=schema)


def _with_date(table: pa.Table, logical_date: str) -> pa.Table:
    import datetime as dt

    d = dt.date.fromisoformat(logical_date)
    if "logical_date" in table.column_names:
        table = table.drop(["logical_date"])
    return table.append_column("logical_date", pa.array([d] * table.num_rows, pa.date32()))


def read_run_records(root: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Run records keyed by (source_id, logical_date)."""
    out = {}
    for f in sorted((state_dir(root=root) / "runs").glob("logical_date=*/*.json")):
        try:
            rec = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"run record {f} is not valid JSON ({exc}); re-run that source's sync") from exc
        out[(rec.get("source_id") or f.stem, f.parent.name.split("=", 1)[1])] = rec
    return out


def source_sync_table(records: dict[tuple[str, str], dict[str, Any]]) -> pa.Table:
    """One row per (run_id, source_id, entity) from the run records (a run with no entity gets one row)."""
    import datetime as dt

    try:
        from talenta.sources.registry import load_registry

        registry = {s.source_id: s for s in load_registry()}
    except Exception as exc:  # the registry enriches rows; a test lake may use ids outside it
        log.warning("source registry unavailable (%s); region_code/instansi_id left empty", exc)
        registry = {}
    rows = []
    for (source_id, logical_date), rec in records.items():
        src = registry.get(source_id)
        base = {
            "run_id": rec.get("run_id"), "source_id": source_id,
            "logical_date": dt.date.fromisoformat(logical_date), "error": rec.get("error"),
            "duration_s": rec.get("duration_s"), "kind": rec.get("kind"), "dialect": rec.get("dialect"),
            "region_code": src.region_code if src else None, "instansi_id": src.instansi_id if src else None,
            "run_status": rec.get("status"), "started_at": rec.get("started_at"),
            "finished_at": rec.get("finished_at"),
        }
        entities = rec.get("entities") or {None: {"status": rec.get("status")}}
        for entity, e in entities.items():
            rows.append({
                **base, "entity": entity, "status": e.get("status"),
                "rows_extracted": e.get("rows_extracted"), "rows_accepted": e.get("rows_accepted"),
                "rows_quarantined": e.get("rows_quarantined"), "reason": e.get("reason"),
            })
    return pa.Table.from_pylist(rows, schema=SOURCE_SYNC_SCHEMA)


def _mergeable(rec: dict[str, Any] | None, entity: str) -> tuple[bool, str]:
    if rec is None:
        return False, "no run record"
    if rec.get("status") == "failed":
        return False, "source run failed"
    e = (rec.get("entities") or {}).get(entity)
    if e is None:
        return False, f"run record has no entity {entity!r}"
    if e.get("status") != "success":
        return False, f"entity status {e.get('status')!r}: {e.get('reason')}"
    return True, ""


def dim_tables() -> dict[str, pa.Table]:
    """dim_region and dim_instansi from the domain modules (the one place those lists live)."""
    regs = regions.all_regions()
    region = pa.table({
        "region_code": [r.code for r in regs], "region_name": [r.name for r in regs],
        "region_kind": [r.kind for r in regs], "province_code": [r.province_code for r in regs],
        "autonomous": [r.autonomous for r in regs],
    })
    ags = agencies.all_agencies()
    instansi = pa.table({
        "instansi_id": [a.instansi_id for a in ags], "instansi_name": [a.name for a in ags],
        "level": [a.level for a in ags], "region_code": [a.region_code for a in ags],
    })
    return {"raw_dim_region": region, "raw_dim_instansi": instansi, "raw_source": source_table()}


def source_table() -> pa.Table:
    """One row per registered source (source_id, region_code, instansi_id): the region of lake rows."""
    try:
        from talenta.sources.registry import load_registry

        srcs = load_registry()
    except Exception as exc:  # same fallback as source_sync_table: a test lake may use ids outside it
        log.warning("source registry unavailable (%s); regional row-level security will hide its rows", exc)
        srcs = []
    return pa.table({
        "source_id": pa.array([s.source_id for s in srcs], pa.string()),
        "region_code": pa.array([s.region_code for s in srcs], pa.string()),
        "instansi_id": pa.array([s.instansi_id for s in srcs], pa.string()),
    })


_PATH_RE = r"entity=(?P<entity>[^/\\]+)[/\\]source_id=(?P<source_id>[^/\\]+)[/\\]logical_date=(?P<logical_date>[^/\\]+)"


def _read_many(files: list[Path], schema: pa.Schema) -> pa.Table:
    """Read many partition files in one multi-threaded DuckDB scan, conformed to ``schema``.

    entity, source_id and logical_date come from each file's partition path when the file lacks them
    (logical_date always does: it is the partition's). Files with incompatible types make DuckDB fail;
    then the files are read one by one so the error names the file.
    """
    if not files:
        return schema.empty_table()
    import duckdb
    import pyarrow.compute as pc

    try:
        with duckdb.connect() as con:
            t = con.read_parquet([str(f) for f in files], union_by_name=True, filename=True).to_arrow_table()
        parts = pc.extract_regex(t.column("filename"), _PATH_RE).combine_chunks()
        t = t.drop(["filename"] + (["logical_date"] if "logical_date" in t.column_names else []))
        t = t.append_column("logical_date", pc.cast(parts.field("logical_date"), pa.date32()))
        for name in ("entity", "source_id"):
            if name not in t.column_names:
                t = t.append_column(name, parts.field(name))
        return _conform(t, schema, files[0].parent.parent.parent)
    except (duckdb.Error, ValueError, pa.ArrowInvalid) as exc:
        log.warning("one-scan read of %d files failed (%s); reading them one by one", len(files), exc)
    out = []
    for f in files:
        entity, source_id = f.parent.parent.parent.name.split("=", 1)[1], f.parent.parent.name.split("=", 1)[1]
        t = _with_date(pq.read_table(f), f.parent.name.split("=", 1)[1])
        for name, value in (("entity", entity), ("source_id", source_id)):
            if name in schema.names and name not in t.column_names:
                t = t.append_column(name, pa.array([value] * t.num_rows, pa.string()))
        out.append(_conform(t, schema, f))
    return pa.concat_tables(out)


@dataclass
class LakePlan:
    """What the merge will read, before reading it: files per raw table, small tables already in Arrow."""

    files: dict[str, tuple[list[Path], pa.Schema]]
    small: dict[str, pa.Table]
    skipped: list[dict[str, Any]] = field(default_factory=list)
    newest_date: str | None = None


def plan_lake(root: Path | None = None) -> LakePlan:
    """Select the mergeable silver partitions and all quarantine and dq partitions; read the run records.

    The partition files are listed, not read: the DuckDB build scans them in-engine, the PostgreSQL build
    reads them with :func:`read_lake`.
    """
    root = root or lake_dir()
    records = read_run_records(root)
    files: dict[str, tuple[list[Path], pa.Schema]] = {}
    skipped: list[dict[str, Any]] = []
    for entity in ENTITIES:
        chosen = []
        for source_id, logical_date, f in _partitions(root / "silver" / f"entity={entity}"):
            ok, why = _mergeable(records.get((source_id, logical_date)), entity)
            if not ok:
                skipped.append({"entity": entity, "source_id": source_id, "logical_date": logical_date,
                                "reason": why})
                continue
            chosen.append(f)
        files[f"raw_{entity}"] = (chosen, raw_schema(entity))
    for zone, schema, name in (("quarantine", QUARANTINE_SCHEMA, "raw_quarantine"), ("dq", DQ_SCHEMA, "raw_dq")):
        files[name] = ([f for entity_dir in sorted((root / zone).glob("entity=*"))
                        for _s, _d, f in _partitions(entity_dir)], schema)
    small = {"raw_source_sync": source_sync_table(records), **dim_tables()}
    if skipped:
        log.info("merge skips %d silver partitions (held, failed or unrecorded)", len(skipped))
    newest = max((d for _s, d in records), default=None)
    return LakePlan(files=files, small=small, skipped=skipped, newest_date=newest)


def read_files(files: list[Path], schema: pa.Schema) -> pa.Table:
    """Read partition files into one Arrow table conformed to ``schema`` (errors name the file)."""
    return _read_many(files, schema)


def read_lake(root: Path | None = None) -> LakeInputs:
    """Read every mergeable silver partition, all quarantine and dq partitions, and the run records.

    Each zone × entity is one DuckDB scan over the selected files (the merge's fixed cost used to be
    thousands of single-file reads).
    """
    plan = plan_lake(root)
    tables = {name: _read_many(files, schema) for name, (files, schema) in plan.files.items()}
    tables.update(plan.small)
    return LakeInputs(tables=tables, skipped=plan.skipped, newest_date=plan.newest_date)
