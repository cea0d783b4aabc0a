"""Warehouse merge benchmark: merge + publish of a synthetic nation to DuckDB and PostgreSQL, against
``pandas.to_sql`` of the same employee rows as the naive baseline.

Usage: ``.venv/bin/python benchmarks/warehouse_bench.py --scale 1.0`` (4.7 M employees, 644 sources;
targets: DuckDB ≤ 120 s, PostgreSQL ≤ 300 s, ≥ 10x faster than to_sql). Use a small ``--scale`` to try it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa

from talenta.domain.schemas import silver_schema
from talenta.lake.layout import partition_dir, state_dir, write_json_atomic, write_partition
from talenta.sources.registry import load_registry

NATION = 4_700_000
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def write_lake(root: Path, scale: float, day: str) -> int:
    """One silver employee partition (+ run record) per source; returns the number of rows."""
    sources = load_registry()
    per = max(1, int(NATION * scale / len(sources)))
    schema = silver_schema("employee").append(pa.field("dq_warnings", pa.list_(pa.string())))
    rng = np.random.default_rng(7)
    for k, s in enumerate(sources):
        nips = [f"19{k:04d}{i:012d}" for i in range(per)]
        tmt = (np.datetime64("2010-01-01") + rng.integers(0, 5000, per)).astype("datetime64[D]")
        cols = {f.name: pa.nulls(per, f.type) for f in schema}
        cols.update({
            "nip": pa.array(nips), "name": pa.array([f"PEGAWAI {n[-6:]}" for n in nips]),
            "golongan": pa.array(rng.choice(["III/a", "III/b", "III/c", "IV/a"], per)),
            "tmt_jabatan": pa.array(tmt, pa.date32()), "tmt_golongan": pa.array(tmt, pa.date32()),
            "region_code": pa.array([s.region_code] * per), "instansi_id": pa.array([s.instansi_id] * per),
            "status": pa.array(["01"] * per), "source_id": pa.array([s.source_id] * per),
            "source_row_ref": pa.array([f"pegawai.csv:{i + 2}" for i in range(per)]),
            "run_id": pa.array([f"bench-{day}"] * per),
        })
        write_partition(partition_dir("silver", "employee", s.source_id, day, root=root),
                        pa.table([cols[f.name] for f in schema], schema=schema))
        write_json_atomic(state_dir(root=root) / "runs" / f"logical_date={day}" / f"{s.source_id}.json", {
            "run_id": f"bench-{day}", "source_id": s.source_id, "logical_date": day, "kind": s.kind,
            "dialect": s.dialect, "status": "success", "error": None, "entities": {"employee": {
                "rows_extracted": per, "rows_accepted": per, "rows_quarantined": 0, "status": "success",
                "reason": None}}})
    return per * len(sources)


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--baseline-rows", type=int, default=20_000, help="rows timed for the to_sql baseline")
    args = ap.parse_args()
    from talenta.warehouse.db import Warehouse
    from talenta.warehouse.merge import merge

    work = Path(tempfile.mkdtemp(prefix="wh-bench-"))
    t = time.perf_counter()
    rows = write_lake(work / "lake", args.scale, dt.date.today().isoformat())
    out = {"scale": args.scale, "employee_rows": rows, "write_lake_s": round(time.perf_counter() - t, 1)}
    t = time.perf_counter()
    r = merge(f"duckdb:///{work / 'wh.duckdb'}", lake_root=work / "lake", write_gold=False)
    out["duckdb_merge_publish_s"] = round(time.perf_counter() - t, 1)
    out["duckdb_timings"] = r.timings
    schema = f"bench_{uuid.uuid4().hex[:6]}"
    try:
        t = time.perf_counter()
        r = merge(PG_URL, schema=schema, lake_root=work / "lake", write_gold=False)
        out["postgres_merge_publish_s"] = round(time.perf_counter() - t, 1)
        out["postgres_timings"] = r.timings
        import sqlalchemy as sa

        with Warehouse(f"duckdb:///{work / 'wh.duckdb'}", read_only=True) as d:
            df = d.query_df(f"select * from employee_history limit {args.baseline_rows}")
        eng = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg2://"))
        t = time.perf_counter()
        df.to_sql("baseline_to_sql", eng, schema=schema, if_exists="replace", index=False, chunksize=5000)
        rate = len(df) / (time.perf_counter() - t)
        out["to_sql_rows_per_s"] = round(rate)
        out["to_sql_extrapolated_load_s"] = round(rows / rate, 1)
        out["speedup_vs_to_sql_pg"] = round(rows / rate / out["postgres_merge_publish_s"], 1)
    finally:
        with Warehouse(PG_URL) as p:
            p.execute(f"drop schema if exists {schema} cascade")
            p.execute(f"drop schema if exists {schema}_staging cascade")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
