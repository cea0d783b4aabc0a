"""Extract + harmonize benchmark for the file-drop path, against DuckDB converting the same CSVs to Parquet.

    .venv/bin/python benchmarks/sync_bench.py --scale 0.01 [--sources 40]

Builds a defect-free synthetic world of CSV file-drop sources (siasn_export and simpeg_legacy_csv), then
times (1) our connector + harmonizer over every file and (2) DuckDB ``COPY (SELECT * FROM read_csv(...)) TO
parquet`` over the same files, in the same process. Validation, lake writes and Airflow overhead are not
included (see the e2e test and the warehouse benchmark for those). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    """Run the benchmark and print its results as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--sources", type=int, default=40, help="how many CSV file-drop sources")
    args = parser.parse_args()

    import duckdb

    from talenta.sources.connectors.files import FileConnector
    from talenta.sources.dialects import get_dialect
    from talenta.sources.harmonize import harmonize
    from talenta.sources.registry import load_registry
    from talenta.synth import defects
    from talenta.synth.people import headcounts
    from talenta.synth.world import BuildOptions, build

    registry = load_registry()
    picked = [s for s in registry if s.dialect in ("siasn_export", "simpeg_legacy_csv")][: args.sources]
    out = Path(tempfile.mkdtemp(prefix="sync-bench-"))
    t0 = time.perf_counter()
    build(BuildOptions(out=out, scale=args.scale, seed=1, sources=tuple(s.source_id for s in picked),
                       rates=defects.DefectRates.none(), faults=False, workers=2))
    build_s = time.perf_counter() - t0
    day = json.loads((out / "world.json").read_text())["snapshot_date"]

    rows = 0
    t0 = time.perf_counter()
    for src in picked:
        dialect = get_dialect(src.dialect)
        conn = FileConnector(src.source_id, dialect, out / "sources" / src.source_id / "drop")
        for entity in dialect.entities:
            ext = conn.extract(entity, day)
            frame = harmonize(ext.table, dialect, entity, source_id=src.source_id, run_id="bench")
            rows += len(frame)
    ours_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    con = duckdb.connect()
    pq_dir = out / "duckdb"
    pq_dir.mkdir()
    for src in picked:
        dialect = get_dialect(src.dialect)
        for path in sorted((out / "sources" / src.source_id / "drop").glob("*.csv")):
            enc = "latin-1" if dialect.encoding.lower() in ("latin-1", "latin1") else "utf-8"
            con.execute(f"COPY (SELECT * FROM read_csv('{path}', delim='{dialect.delimiter}', header=true, "
                        f"all_varchar=true, encoding='{enc}')) TO '{pq_dir / (src.source_id + path.stem)}.parquet' "
                        "(FORMAT parquet)")
    duck_s = time.perf_counter() - t0

    nation_rows = sum(headcounts(registry, 1.0).values())
    counts = headcounts(registry, args.scale)
    per_employee_rows = rows / max(1, sum(counts[s.source_id] for s in picked))
    print(json.dumps({
        "scale": args.scale, "sources": len(picked), "rows": rows, "build_s": round(build_s, 1),
        "ours_s": round(ours_s, 2), "rows_per_s": round(rows / ours_s), "duckdb_s": round(duck_s, 2),
        "ratio_vs_duckdb": round(ours_s / duck_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "extrapolated_nation_s": round(nation_rows * per_employee_rows / (rows / ours_s)),
        "note": "extrapolation: national employees x rows per employee / measured rows per second, one core",
    }))


if __name__ == "__main__":
    main()
