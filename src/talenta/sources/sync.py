"""Sync one shard: extract → bronze → harmonize per source, one validation per entity, then silver.

For each source, in isolation: every entity of its dialect is extracted (bronze partition + manifest) and
harmonized. Then ``talenta.validate.validate_batch`` runs once per entity over all the shard's sources, and
each source gets its silver, quarantine and dq partitions and its run record. A source (or entity) that
raises is recorded failed with its error; the others go on. Watermarks and ingested-file hashes are
committed only after the source's partitions are written, so a failed run is simply run again.

The return value is a small summary (counts, failed sources) meant for XCom.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from talenta.lake.layout import partition_dir, write_partition
from talenta.settings import lake_dir
from talenta.sources.credentials import ConnInfo, get_connection, sqlalchemy_url
from talenta.sources.errors import CredentialError, SchemaDriftError, SourceError
from talenta.sources.state import SyncState

log = logging.getLogger(__name__)


def default_run_id(logical_date: str) -> str:
    """The run id of a logical date's sync: stable, so a re-run writes identical silver partitions."""
    return f"sync_{logical_date}"


def rest_options_from_env() -> dict[str, Any]:
    """REST retry settings from ``TALENTA_REST_*`` variables (tests and impatient re-runs shorten them)."""
    import os

    out: dict[str, Any] = {}
    for key, var, cast in (("backoff_s", "TALENTA_REST_BACKOFF_S", float),
                           ("max_retries", "TALENTA_REST_MAX_RETRIES", int),
                           ("request_budget", "TALENTA_REST_REQUEST_BUDGET", int),
                           ("page_size", "TALENTA_REST_PAGE_SIZE", int)):
        if os.environ.get(var):
            out[key] = cast(os.environ[var])
    return out


def world_info(world: Path) -> dict[str, Any]:
    """``world.json`` of a synthetic world (sources, snapshot date)."""
    return json.loads((Path(world) / "world.json").read_text(encoding="utf-8"))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _connector(src, dialect, conn: ConnInfo, state: SyncState, rest_options: dict[str, Any]):
    if src.kind == "file_drop":
        from talenta.sources.connectors.files import FileConnector

        path = conn.extra.get("path") or conn.host
        if not path:
            raise CredentialError("the connection has no drop folder (extra.path)", source_id=src.source_id,
                                  where=f"connection {conn.conn_id}", hint="set extra {\"path\": \"/drop/dir\"}")
        return FileConnector(src.source_id, dialect, Path(path), ingested=state.ingested(src.source_id))
    if src.kind == "sql_db":
        from talenta.sources.connectors.sql import SqlConnector

        return SqlConnector(src.source_id, dialect, sqlalchemy_url(conn))
    if src.kind == "rest_api":
        from talenta.sources.connectors.rest import RestConnector

        scheme = conn.schema if conn.schema in ("http", "https") else ("https" if conn.conn_type == "https" else "http")
        port = f":{conn.port}" if conn.port else ""
        base = f"{scheme}://{conn.host}{port}{conn.extra.get('base_path', '')}"
        return RestConnector(src.source_id, dialect, base, conn.password, **rest_options)
    raise SourceError(f"unknown kind {src.kind!r}", source_id=src.source_id)


def _extract(connector, src, entity: str, logical_date: str, since: str | None):
    if src.kind == "file_drop":
        return connector.extract(entity, logical_date)
    return connector.extract(entity, since=since)


def _entity_record(extracted: int = 0, accepted: int = 0, quarantined: int = 0, status: str = "success",
                   reason: str | None = None, warnings: list[str] | None = None) -> dict[str, Any]:
    return {"rows_extracted": extracted, "rows_accepted": accepted, "rows_quarantined": quarantined,
            "status": status, "reason": reason, "warnings": list(warnings or [])}


def _column_check(ext, dialect, entity: str, sid: str, origin: str) -> tuple[SchemaDriftError | None, list[str]]:
    """(the error of a missing required column or None, warnings for missing optional columns)."""
    from talenta.sources.connectors.base import ROW_REF
    from talenta.sources.harmonize import check_columns

    columns = [c for c in ext.table.column_names if c != ROW_REF]
    if not columns and not ext.rows:  # an API with no records shows no columns
        return None, []
    try:
        return None, check_columns(columns, dialect, entity, source_id=sid, origin=origin)
    except SchemaDriftError as exc:
        return exc, []


def _clear(entity: str, source_id: str, logical_date: str, root: Path) -> None:
    # A failed entity must not leave an older run's partitions of the same date looking current.
    for zone in ("silver", "quarantine", "dq"):
        shutil.rmtree(partition_dir(zone, entity, source_id, logical_date, root=root), ignore_errors=True)


def sync_shard(source_ids: list[str], logical_date: str, *, run_id: str | None = None, world: Path | None = None,
               lake_root: Path | None = None, connections_file: Path | None = None, full: bool = False,
               shard: str | None = None, rest_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sync ``source_ids`` for ``logical_date`` (YYYY-MM-DD) and return a summary for XCom."""
    from talenta.sources.dialects import get_dialect
    from talenta.sources.harmonize import harmonize
    from talenta.sources.registry import get_source

    started_all = time.perf_counter()
    root = Path(lake_root) if lake_root else lake_dir()
    run_id = run_id or default_run_id(logical_date)
    if connections_file is None and world is not None:
        connections_file = Path(world) / "connections.json"
    state = SyncState(root)
    records: dict[str, dict[str, Any]] = {}
    clocks: dict[str, float] = {}
    frames: dict[str, list[tuple[str, Any]]] = {}
    pending: dict[str, dict[str, Any]] = {}  # source → entity → Extract (for state commit)

    for sid in source_ids:
        clocks[sid] = time.perf_counter()
        record = records[sid] = {"run_id": run_id, "source_id": sid, "logical_date": logical_date, "kind": None,
                                 "dialect": None, "status": "success", "error": None, "started_at": _now(),
                                 "finished_at": None, "duration_s": None, "extract_s": None, "entities": {},
                                 "shard": shard}
        pending[sid] = {}
        connector = None
        try:
            src = get_source(sid)
            dialect = get_dialect(src.dialect)
            record["kind"], record["dialect"] = src.kind, src.dialect
            conn = get_connection(src.conn_id, connections_file=connections_file)
            connector = _connector(src, dialect, conn, state,
                                   rest_options if rest_options is not None else rest_options_from_env())
            for entity in dialect.entities:
                try:
                    since = None if full else state.watermark_before(sid, entity, logical_date)
                    ext = _extract(connector, src, entity, logical_date, since)
                    if ext.skipped:
                        record["entities"][entity] = _entity_record(reason=ext.skipped)
                        continue
                    origin = f"{entity} from {ext.manifest.get('origin')}"
                    drift, warnings = _column_check(ext, dialect, entity, sid, origin)
                    # Bronze keeps what was received even when its columns fail the dialect (diagnosis).
                    write_partition(partition_dir("bronze", entity, sid, logical_date, root=root), ext.table,
                                    manifest={**ext.manifest, "run_id": run_id, "source_id": sid,
                                              "entity": entity, "logical_date": logical_date,
                                              "warnings": warnings, "error": str(drift) if drift else None})
                    if drift is not None:
                        raise drift
                    frame = harmonize(ext.table, dialect, entity, source_id=sid, run_id=run_id, origin=origin)
                    frames.setdefault(entity, []).append((sid, frame))
                    pending[sid][entity] = ext
                    record["entities"][entity] = _entity_record(extracted=ext.rows, warnings=warnings)
                except Exception as exc:
                    log.warning("sync %s %s failed: %s", sid, entity, exc)
                    record["entities"][entity] = _entity_record(status="failed", reason=str(exc))
                    _clear(entity, sid, logical_date, root)
                    if isinstance(exc, CredentialError) or getattr(exc, "unreachable", False):
                        # The system itself is down or refuses us: its other entities would only wait.
                        raise
        except Exception as exc:
            log.warning("sync %s failed: %s", sid, exc)
            record["status"], record["error"] = "failed", str(exc)
            for entity in record["entities"]:
                _clear(entity, sid, logical_date, root)
        finally:
            if connector is not None and hasattr(connector, "close"):
                connector.close()
            # This source's own work (extract, bronze, harmonize); duration_s also spans the shard's
            # shared validation and writes, which run once per entity for all its sources.
            record["extract_s"] = round(time.perf_counter() - clocks[sid], 3)

    for entity, batch in frames.items():
        _validate_and_publish(entity, batch, records, pending, run_id=run_id, logical_date=logical_date, root=root)

    summary: dict[str, Any] = {"run_id": run_id, "logical_date": logical_date, "shard": shard,
                               "sources": len(source_ids), "succeeded": [], "held": [], "partial": {}, "failed": {},
                               "rows_extracted": 0, "rows_accepted": 0, "rows_quarantined": 0}
    for sid, record in records.items():
        _finish(record, clocks[sid])
        if record["status"] != "failed":
            _commit_state(state, sid, logical_date, pending[sid], record)
        state.write_run_record(record)
        for ent in record["entities"].values():
            for key in ("rows_extracted", "rows_accepted", "rows_quarantined"):
                summary[key] += ent[key]
        status = record["status"]
        if status == "failed":
            summary["failed"][sid] = record["error"]
        elif status == "partial":
            summary["partial"][sid] = record["error"]
        elif status == "held":
            summary["held"].append(sid)
        else:
            summary["succeeded"].append(sid)
        log.info("sync %s %s: %s", sid, logical_date, status)
    summary["duration_s"] = round(time.perf_counter() - started_all, 2)
    return summary


def _validate_and_publish(entity: str, batch: list[tuple[str, Any]], records: dict, pending: dict, *,
                          run_id: str, logical_date: str, root: Path) -> None:
    from talenta.validate import gx_results_dir, to_tables, validate_batch

    try:
        # GX results are kept per batch so the run's Data Docs can be built once, after the sync.
        outcomes = validate_batch(entity, batch, run_id=run_id, logical_date=logical_date,
                                  results_dir=gx_results_dir(logical_date, root=root))
    except Exception as exc:
        log.warning("validation of %s failed: %s", entity, exc)
        for sid, _ in batch:
            records[sid]["entities"][entity] = _entity_record(status="failed", reason=f"validation failed: {exc}")
            pending[sid].pop(entity, None)
            _clear(entity, sid, logical_date, root)
        return
    for sid, _ in batch:
        ent = records[sid]["entities"][entity]
        try:
            outcome = outcomes[sid]
            tables = to_tables(entity, outcome)
            for zone in ("silver", "quarantine", "dq"):
                # pandas metadata from the validation frames is not part of the lake contract, and made
                # pq.read_table(...).to_pandas() fail on dq_warnings: partitions carry the plain schema.
                write_partition(partition_dir(zone, entity, sid, logical_date, root=root),
                                tables[zone].replace_schema_metadata(None))
            ent.update(rows_accepted=len(outcome.accepted), rows_quarantined=len(outcome.quarantined),
                       status="held" if outcome.held else "success", reason=outcome.reason)
            if ent["rows_accepted"] + ent["rows_quarantined"] != ent["rows_extracted"]:
                raise SourceError(f"{entity}: {ent['rows_extracted']} rows extracted but "
                                  f"{ent['rows_accepted']} accepted + {ent['rows_quarantined']} quarantined",
                                  source_id=sid, hint="a validation bug: report it with this run record")
        except Exception as exc:
            ent.update(rows_accepted=0, rows_quarantined=0, status="failed", reason=str(exc))
            pending[sid].pop(entity, None)
            _clear(entity, sid, logical_date, root)


def _finish(record: dict[str, Any], clock: float) -> None:
    record["finished_at"] = _now()
    record["duration_s"] = round(time.perf_counter() - clock, 3)
    if record["status"] == "failed":
        return
    states = [e["status"] for e in record["entities"].values()]
    failed = [f"{name}: {e['reason']}" for name, e in record["entities"].items() if e["status"] == "failed"]
    if states and len(failed) == len(states):
        record["status"], record["error"] = "failed", "; ".join(failed)
    elif failed:
        record["status"], record["error"] = "partial", "; ".join(failed)
    elif "held" in states:
        record["status"] = "held"


def _commit_state(state: SyncState, sid: str, logical_date: str, extracts: dict[str, Any],
                  record: dict[str, Any]) -> None:
    files = []
    for entity, ext in extracts.items():
        if record["entities"][entity]["status"] == "failed":
            continue
        if ext.manifest.get("watermark"):
            state.set_watermark(sid, entity, logical_date, ext.manifest["watermark"])
        if ext.manifest.get("file"):
            files.append({"hash": ext.manifest["content_hash"], "file": ext.manifest["file"], "entity": entity,
                          "logical_date": logical_date})
    state.remember_files(sid, files)
