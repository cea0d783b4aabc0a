"""Extract + harmonize benchmark for the file-drop path, against DuckDB converting the same CSVs to Parquet.

    .venv/bin/python benchmarks/sync_bench.py --scale 0.1 --sources 40
    .venv/bin/python benchmarks/sync_bench.py --scale 0.1 --sources 12 --airflow   # + Airflow overhead
    .venv/bin/python benchmarks/sync_bench.py --scale 1.0 --sources 40 --other-kinds 2  # + XLSX, SQL, REST

Builds a defect-free synthetic world of CSV file-drop sources (siasn_export and simpeg_legacy_csv), then
times, in the same process and over the same files, (1) our connector + harmonizer (the part the issue's
6-minute target is about) and (2) DuckDB ``COPY (SELECT * FROM read_csv(..., all_varchar)) TO parquet``.
With ``--airflow`` it also runs the same sources' shards twice end to end (extract, bronze, harmonize,
validate, silver, run records): once by calling ``sync_shard`` directly and once through ``regional_sync``
with ``dag.test()``; the difference is the Airflow overhead. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def _extract_harmonize(picked, out: Path, day: str) -> tuple[int, float]:
    from talenta.sources.connectors.files import FileConnector
    from talenta.sources.dialects import get_dialect
    from talenta.sources.harmonize import harmonize

    rows = 0
    t0 = time.perf_counter()
    for src in picked:
        dialect = get_dialect(src.dialect)
        conn = FileConnector(src.source_id, dialect, out / "sources" / src.source_id / "drop")
        for entity in dialect.entities:
            ext = conn.extract(entity, day)
            frame = harmonize(ext.table, dialect, entity, source_id=src.source_id, run_id="bench")
            rows += len(frame)
    return rows, time.perf_counter() - t0


def _duckdb(picked, out: Path) -> float:
    import duckdb

    from talenta.sources.dialects import get_dialect

    t0 = time.perf_counter()
    con = duckdb.connect()
    pq_dir = out / "duckdb"
    pq_dir.mkdir(exist_ok=True)
    for src in picked:
        dialect = get_dialect(src.dialect)
        for path in sorted((out / "sources" / src.source_id / "drop").glob("*.csv")):
            enc = "latin-1" if dialect.encoding.lower() in ("latin-1", "latin1") else "utf-8"
            con.execute(f"COPY (SELECT * FROM read_csv('{path}', delim='{dialect.delimiter}', header=true, "
                        f"all_varchar=true, encoding='{enc}')) TO '{pq_dir / (src.source_id + path.stem)}.parquet' "
                        "(FORMAT parquet)")
    con.close()
    return time.perf_counter() - t0


def _airflow_overhead(out: Path, day: str) -> dict:
    """Wall time of the world's shards via sync_shard directly and via regional_sync under dag.test()."""
    from talenta.dagrun import run_dag
    from talenta.sources.registry import load_registry
    from talenta.sources.shards import plan_shards, select_sources
    from talenta.sources.sync import sync_shard, world_info

    sources = world_info(out)["sources"]
    shards = plan_shards(select_sources(load_registry(), sources))
    # Warm-up (imports Great Expectations once, as a long-running worker has): not timed.
    sync_shard(shards[0]["sources"][:1], day, world=out, lake_root=out / "lake_warm")
    t0 = time.perf_counter()
    for shard in shards:
        sync_shard(shard["sources"], day, world=out, lake_root=out / "lake_direct", shard=shard["name"])
    direct_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run_dag("regional_sync", logical_date=dt.datetime.now(dt.UTC).replace(microsecond=0),
                     conf={"world": str(out), "lake": str(out / "lake_dag"), "date": day})
    dag_wall_s = time.perf_counter() - t0
    return {"shards": len(shards), "direct_s": round(direct_s, 2), "dag_test_s": round(result.seconds, 2),
            "dag_wall_incl_parse_and_db_check_s": round(dag_wall_s, 2), "dag_state": result.state,
            "airflow_share": round(max(0.0, result.seconds - direct_s) / result.seconds, 3)}


def _other_kinds(scale: float, per_dialect: int, out: Path) -> dict:
    """Rows/s of extract + harmonize for the XLSX, SQLite and REST dialects (no DuckDB counterpart).

    ``extract_s`` is the connectors' share (for XLSX: reading the workbook, see ``read_xlsx``).
    """
    from talenta.sources.connectors.files import FileConnector
    from talenta.sources.connectors.rest import RestConnector
    from talenta.sources.connectors.sql import SqlConnector
    from talenta.sources.credentials import get_connection
    from talenta.sources.dialects import get_dialect
    from talenta.sources.harmonize import harmonize
    from talenta.sources.registry import load_registry
    from talenta.synth import defects
    from talenta.synth.server import start_background
    from talenta.synth.world import BuildOptions, build

    dialects = ("simpeg_xlsx", "sql_simpeg_mysql", "sql_simpeg_legacy", "rest_simpeg_v2", "rest_siasn_like")
    picked = [s for d in dialects for s in [s for s in load_registry() if s.dialect == d][:per_dialect]]
    if not (out / "world.json").exists():
        build(BuildOptions(out=out, scale=scale, seed=1, sources=tuple(s.source_id for s in picked),
                           rates=defects.DefectRates.none(), faults=False, workers=2))
    day = json.loads((out / "world.json").read_text())["snapshot_date"]
    server, thread = start_background(out)
    results: dict[str, dict] = {}
    try:
        for src in picked:
            dialect = get_dialect(src.dialect)
            conn = get_connection(src.conn_id, connections_file=out / "connections.json")
            if src.kind == "file_drop":
                connector = FileConnector(src.source_id, dialect, Path(conn.extra["path"]))
            elif src.kind == "sql_db":
                connector = SqlConnector(src.source_id, dialect, f"sqlite:///{conn.host}")
            else:
                connector = RestConnector(src.source_id, dialect, f"http://{conn.host}:{conn.port}"
                                          f"{conn.extra['base_path']}", conn.password, page_size=5000)
            t0 = time.perf_counter()
            rows = 0
            extract_s = 0.0
            for entity in dialect.entities:
                t1 = time.perf_counter()
                ext = connector.extract(entity, day) if src.kind == "file_drop" else connector.extract(entity)
                extract_s += time.perf_counter() - t1
                rows += len(harmonize(ext.table, dialect, entity, source_id=src.source_id, run_id="bench"))
            agg = results.setdefault(src.dialect, {"rows": 0, "s": 0.0, "extract_s": 0.0})
            agg["rows"] += rows
            agg["s"] += time.perf_counter() - t0
            agg["extract_s"] += extract_s
            if hasattr(connector, "close"):
                connector.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return {d: {"rows": r["rows"], "s": round(r["s"], 2), "rows_per_s": round(r["rows"] / r["s"]),
                "extract_s": round(r["extract_s"], 2)} for d, r in results.items()}


def main() -> None:
    """Run the benchmark and print its results as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--sources", type=int, default=40, help="how many CSV file-drop sources")
    parser.add_argument("--airflow", action="store_true", help="also measure the Airflow overhead (dag.test)")
    parser.add_argument("--out", help="world folder (default: a new temporary folder)")
    parser.add_argument("--other-kinds", type=int, default=0, metavar="N",
                        help="also time N sources of each XLSX, SQLite and REST dialect (own world in OUT/other)")
    args = parser.parse_args()

    from talenta.sources.registry import load_registry
    from talenta.synth import defects
    from talenta.synth.people import headcounts
    from talenta.synth.world import BuildOptions, build

    registry = load_registry()
    picked = [s for s in registry if s.dialect in ("siasn_export", "simpeg_legacy_csv")][: args.sources]
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="sync-bench-"))
    t0 = time.perf_counter()
    if not (out / "world.json").exists():
        build(BuildOptions(out=out, scale=args.scale, seed=1, sources=tuple(s.source_id for s in picked),
                           rates=defects.DefectRates.none(), faults=False, workers=2))
    build_s = time.perf_counter() - t0
    day = json.loads((out / "world.json").read_text())["snapshot_date"]
    csv_bytes = sum(p.stat().st_size for p in (out / "sources").rglob("*.csv"))

    _extract_harmonize(picked[:1], out, day)  # imports and caches warm, as in a running worker
    rows, ours_s = _extract_harmonize(picked, out, day)
    duck_s = _duckdb(picked, out)

    nation_employees = sum(headcounts(registry, 1.0).values())
    counts = headcounts(registry, args.scale)
    rows_per_employee = rows / max(1, sum(counts[s.source_id] for s in picked))
    result = {
        "scale": args.scale, "sources": len(picked), "rows": rows, "csv_mb": round(csv_bytes / 1e6, 1),
        "build_s": round(build_s, 1), "ours_s": round(ours_s, 2), "rows_per_s": round(rows / ours_s),
        "duckdb_s": round(duck_s, 2), "ratio_vs_duckdb": round(ours_s / duck_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "extrapolated_nation_s_one_core": round(nation_employees * rows_per_employee / (rows / ours_s)),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "note": "extrapolation: national employees x rows per employee / measured rows per second, one core",
    }
    if args.other_kinds:
        result["other_kinds"] = _other_kinds(args.scale, args.other_kinds, out / "other")
    if args.airflow:
        result["airflow"] = _airflow_overhead(out, day)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
