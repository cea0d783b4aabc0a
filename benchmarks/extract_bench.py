"""National extract + harmonize (issue #4's target), measured directly, against DuckDB on the same files.

    .venv/bin/python benchmarks/extract_bench.py --world /work/bench/world2          # the nation, 2 workers
    .venv/bin/python benchmarks/extract_bench.py --world /tmp/w --workers 1 --limit 20

Every source of a prebuilt world (``talenta synth build``; all kinds: CSV and XLSX drops, SQLite databases,
REST APIs served by ``talenta synth serve`` in its own process) is extracted and harmonized to the
canonical schema by ``--workers`` processes (the two worker slots of this machine), largest sources first,
as the sync's shards do, but without Airflow, validation, bronze/silver writes or run records: only the
part the issue's 6-minute target is about. Each worker warms up its imports first (a Celery worker has
them loaded). In the same script DuckDB alone then converts every file it can read without an extension
(CSV drops and the REST sources' JSONL) to Parquet (``nightly.duckdb_floor``); the ratio compares our
time for those sources with DuckDB's for their files. Prints one JSON line; ``--markdown`` adds a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nightly

_WORLD: Path | None = None


def _init(world: str) -> None:
    global _WORLD
    _WORLD = Path(world)
    import talenta.sources.connectors.files
    import talenta.sources.connectors.rest
    import talenta.sources.connectors.sql
    import talenta.sources.harmonize  # noqa: F401


def _one(source_id: str, day: str, page_size: int | None) -> dict:
    """Extract and harmonize every entity of one source; rows, seconds, failures (never raises)."""
    from talenta.sources.connectors.files import FileConnector
    from talenta.sources.connectors.rest import RestConnector
    from talenta.sources.connectors.sql import SqlConnector
    from talenta.sources.credentials import get_connection
    from talenta.sources.dialects import get_dialect
    from talenta.sources.harmonize import harmonize
    from talenta.sources.registry import get_source

    assert _WORLD is not None
    src = get_source(source_id)
    dialect = get_dialect(src.dialect)
    conn = get_connection(src.conn_id, connections_file=_WORLD / "connections.json")
    start = time.perf_counter()
    if src.kind == "file_drop":
        connector = FileConnector(src.source_id, dialect, Path(conn.extra["path"]))
    elif src.kind == "sql_db":
        connector = SqlConnector(src.source_id, dialect, f"sqlite:///{conn.host}")
    else:
        options = {"page_size": page_size} if page_size else {}
        connector = RestConnector(src.source_id, dialect, f"http://{conn.host}:{conn.port}{conn.extra['base_path']}",
                                  conn.password, **options)
    rows, failed = 0, []
    try:
        for entity in dialect.entities:
            try:
                ext = connector.extract(entity, day) if src.kind == "file_drop" else connector.extract(entity)
                rows += len(harmonize(ext.table, dialect, entity, source_id=src.source_id, run_id="bench"))
            except Exception as exc:  # a broken file of the generator: counted, as the sync reports it
                failed.append(f"{entity}: {type(exc).__name__}")
    finally:
        if hasattr(connector, "close"):
            connector.close()
    fmt = {"json": "rest"}.get(dialect.format, dialect.format)
    return {"source_id": source_id, "format": fmt, "rows": rows, "seconds": time.perf_counter() - start,
            "failed": failed, "worker_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _size(world: Path, source_id: str) -> int:
    return sum(p.stat().st_size for p in (world / "sources" / source_id).rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", required=True, help="a world built with `talenta synth build`")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="only the N largest sources (a quick check)")
    parser.add_argument("--page-size", type=int, default=None, help="REST page size (default: the sync's)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    world = Path(args.world).resolve()
    info = json.loads((world / "world.json").read_text())
    day = info["snapshot_date"]
    ids = sorted(info["sources"], key=lambda s: -_size(world, s))[: args.limit]
    server = nightly.start_source_server(world) if any((world / "sources" / s / "api").exists() for s in ids) else None
    results: list[dict] = []
    try:
        load_start = os.getloadavg()[0]
        with nightly.PeakMemory(os.getpid()) as mem, ProcessPoolExecutor(
                args.workers, initializer=_init, initargs=(str(world),)) as pool:
            list(pool.map(_init, [str(world)] * args.workers))  # imports warm in every worker: not timed
            start = time.perf_counter()
            results = list(pool.map(_one, ids, [day] * len(ids), [args.page_size] * len(ids)))
            wall = time.perf_counter() - start
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    by_format: dict[str, dict] = {}
    for r in results:
        entry = by_format.setdefault(r["format"], {"sources": 0, "rows": 0, "seconds": 0.0})
        entry["sources"] += 1
        entry["rows"] += r["rows"]
        entry["seconds"] += r["seconds"]
    floor = nightly.duckdb_floor(world, Path(tempfile.mkdtemp(prefix="extract-floor-"))) if args.limit is None else {}
    rows = sum(r["rows"] for r in results)
    out = {
        "world": str(world), "scale": info["scale"], "sources": len(results), "workers": args.workers,
        "rows": rows, "wall_s": round(wall, 1), "rows_per_s": round(rows / wall),
        "peak_process_mb": round(mem.peak_process_mb), "peak_worker_mb": round(max(r["worker_peak_mb"] for r in results)),
        "load_avg_1m_start": round(load_start, 2), "load_avg_1m_during": mem.load,
        "failed_entities": sorted(f"{r['source_id']} {f}" for r in results for f in r["failed"]),
        "by_format": {k: {**v, "seconds": round(v["seconds"], 1)} for k, v in sorted(by_format.items())},
        "duckdb_floor": floor,
    }
    if floor:
        # Our one-core seconds for the sources whose files DuckDB converted, against DuckDB's (one process,
        # its own threads): the "within 4x" of the issue, per kind and together.
        kinds = {k: v for k, v in floor.get("kinds", {}).items() if k in by_format}
        out["ratio_vs_duckdb"] = {k: round(by_format[k]["seconds"] / v["seconds"], 2) for k, v in kinds.items()}
        ours = sum(by_format[k]["seconds"] for k in kinds)
        theirs = sum(v["seconds"] for v in kinds.values())
        out["ratio_vs_duckdb"]["together"] = round(ours / theirs, 2) if theirs else None
    print(json.dumps(out))
    if args.markdown:
        print("\n| format | sources | rows | one-core s | rows/s | DuckDB s | ours / DuckDB |\n|---|---|---|---|---|---|---|")
        for k, v in out["by_format"].items():
            duck = floor.get("kinds", {}).get(k) if floor else None
            print(f"| {k} | {v['sources']} | {v['rows']:,} | {v['seconds']} | {round(v['rows'] / v['seconds']):,} | "
                  f"{round(duck['seconds'], 1) if duck else '-'} | {out.get('ratio_vs_duckdb', {}).get(k, '-')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
