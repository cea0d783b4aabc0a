"""Warehouse merge benchmark: merge + audit + publish of a synthetic nation to DuckDB and PostgreSQL, against
``pandas.to_sql`` of the same rows as the naive baseline.

The national silver lake is synthesised directly in silver form (vectorised numpy / Arrow, no source
generator): ~4.7 M employees at scale 1.0 spread over the 644 registered sources (uneven sizes), ~0.5 % of
them transferred (present in two sources), two SKP years each (~9.4 M performance rows), assessments for
~10 %, disciplinary records for ~1 %, vacancies, and one run record per source. Values come from the domain
code lists.

Usage::

    .venv/bin/python benchmarks/warehouse_bench.py --scale 1.0          # the national target
    .venv/bin/python benchmarks/warehouse_bench.py --scale 0.05 --no-postgres
    .venv/bin/python benchmarks/warehouse_bench.py --scale 1.0 --targets postgres --lake /tmp/lake1 --repeat 3
    .venv/bin/python benchmarks/warehouse_bench.py --scale 1.0 --targets postgres --lake /tmp/lake1 --baseline-rows 0

Targets (issue #6): DuckDB ≤ 120 s, PostgreSQL ≤ 300 s at scale 1.0, ≥ 10x faster than ``to_sql``. The
``to_sql`` baseline runs in the same process after the merges, into a throw-away PostgreSQL schema, whatever
the targets: by default on at most ``--baseline-rows`` rows of every published table, extrapolated table by
table to all the rows the merge published (the tables differ in width, so in rows/s); with
``--baseline-rows 0`` it loads every published row and the measured time is used (said so in the output).

Issue #8 (every process of the nightly chain <= 6 GB): the summary reports the process's peak RSS
(``ru_maxrss``); run one target per process (``--targets``) to get each merge's own peak. DuckDB is bounded by
``TALENTA_DUCKDB_MEMORY_LIMIT`` (default 3GB); the PostgreSQL load uses binary COPY through ADBC when
``adbc-driver-postgresql`` is importable (``TALENTA_PG_LOADER=csv`` forces CSV COPY); the summary says which.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from talenta.domain import education, golongan, jabatan, predikat
from talenta.domain.codes import DISCIPLINE_LEVELS, GENDERS, RELIGIONS
from talenta.domain.schemas import ENTITIES, silver_schema
from talenta.lake.layout import partition_dir, state_dir, write_json_atomic, write_partition
from talenta.sources.registry import load_registry

NATION = 4_700_000
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DAY = "2026-01-05"


def _pick(rng: np.random.Generator, options, n: int) -> pa.Array:
    return pa.array(list(options), pa.string()).take(pa.array(rng.integers(0, len(options), n)))


def _dates(rng: np.random.Generator, start: str, span_days: int, n: int) -> pa.Array:
    return pa.array(np.datetime64(start) + rng.integers(0, span_days, n).astype("timedelta64[D]"), pa.date32())


def _concat(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _ref(prefix: str, n: int) -> pa.Array:
    return _concat(pa.scalar(prefix), pc.cast(pa.array(np.arange(2, n + 2)), pa.string()))


def _table(entity: str, cols: dict[str, pa.Array], n: int) -> pa.Table:
    schema = silver_schema(entity).append(pa.field("dq_warnings", pa.list_(pa.string())))
    return pa.table([cols.get(f.name, pa.nulls(n, f.type)).cast(f.type) for f in schema], schema=schema)


def employees(rng: np.random.Generator, first: int, n: int, src, run_id: str) -> pa.Table:
    """``n`` silver employee rows with globally unique NIPs ``first .. first + n``."""
    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(first, first + n)), pa.string()), 10, "0")
    nip = _concat(pa.scalar("19850"), _pick(rng, "123456789", n), pa.scalar("01"), seq)
    emp_type = _pick(rng, ("PNS",) * 4 + ("PPPK",), n)
    pns = np.asarray(emp_type) == "PNS"
    gol = pc.if_else(pa.array(pns), _pick(rng, golongan.PNS_CODES, n), _pick(rng, golongan.PPPK_CODES[:12], n))
    tmt_cpns = _dates(rng, "1990-01-01", 11_000, n)
    cols = {
        "nip": nip, "nik": _concat(pa.scalar("3171"), pc.utf8_slice_codeunits(nip, 6)),
        "name": _concat(pa.scalar("PEGAWAI "), seq), "gender": _pick(rng, GENDERS, n),
        "birth_date": _dates(rng, "1965-01-01", 12_000, n), "religion": _pick(rng, list(RELIGIONS), n),
        "employment_type": emp_type, "golongan": gol, "tmt_golongan": _dates(rng, "2010-01-01", 5_800, n),
        "jabatan_name": _pick(rng, ("Analis Kepegawaian", "Guru", "Perawat", "Pranata Komputer", "Kepala Seksi"), n),
        "jabatan_type": _pick(rng, jabatan.TYPES, n), "jabatan_level": _pick(rng, jabatan.CODES, n),
        "tmt_jabatan": _dates(rng, "2012-01-01", 5_000, n), "education_level": _pick(rng, education.CODES, n),
        "education_major": _pick(rng, ("Ekonomi", "Hukum", "Pendidikan", "Keperawatan", "Teknik"), n),
        "unit_name": _pick(rng, ("BKD", "Dinas Pendidikan", "Dinas Kesehatan", "Sekretariat Daerah"), n),
        "instansi_id": pa.array([src.instansi_id] * n, pa.string()),
        "region_code": pa.array([src.region_code] * n, pa.string()),
        "status": _pick(rng, ("01",) * 19 + ("03",), n), "tmt_cpns": tmt_cpns,
        "source_id": pa.array([src.source_id] * n, pa.string()), "source_row_ref": _ref("pegawai.csv:", n),
        "run_id": pa.array([run_id] * n, pa.string()),
    }
    return _table("employee", cols, n)


def facts(rng: np.random.Generator, emp: pa.Table, src, run_id: str) -> dict[str, pa.Table]:
    """Performance (two years each), assessments (~10 %), discipline (~1 %) and vacancies of one source."""
    n = emp.num_rows
    nip = emp.column("nip")
    const = {"source_id": src.source_id, "run_id": run_id}

    def lineage(k: int, prefix: str) -> dict[str, pa.Array]:
        return {**{c: pa.array([v] * k, pa.string()) for c, v in const.items()}, "source_row_ref": _ref(prefix, k)}

    perf = {"nip": pa.concat_arrays([nip.combine_chunks()] * 2),
            "year": pa.array(np.repeat(np.array([2024, 2025], np.int16), n)),
            "hasil_kerja": _pick(rng, predikat.RATINGS, 2 * n), "perilaku_kerja": _pick(rng, predikat.RATINGS, 2 * n),
            "predikat": _pick(rng, predikat.PREDIKAT, 2 * n), **lineage(2 * n, "skp.csv:")}
    a_idx = pa.array(np.flatnonzero(rng.random(n) < 0.10))
    k = len(a_idx)
    scores = {c: pa.array(np.round(rng.uniform(40, 100, k), 2)) for c in (
        "jpm_pct", "potensi_score", "kompetensi_manajerial", "kompetensi_sosiokultural", "kompetensi_teknis")}
    assess = {"nip": nip.take(a_idx), "assessed_on": _dates(rng, "2021-01-01", 1_800, k),
              "method": _pick(rng, ("assessment_center", "uji_kompetensi"), k), **scores, **lineage(k, "asesmen.csv:")}
    d_idx = pa.array(np.flatnonzero(rng.random(n) < 0.01))
    k = len(d_idx)
    decided = _dates(rng, "2019-01-01", 2_500, k)
    disc = {"nip": nip.take(d_idx), "decided_on": decided, "level": _pick(rng, list(DISCIPLINE_LEVELS), k),
            "penalty": _pick(rng, ("teguran lisan", "teguran tertulis", "penundaan kenaikan pangkat"), k),
            "ends_on": _dates(rng, "2026-01-01", 700, k), **lineage(k, "hukdis.csv:")}
    k = max(1, n // 100)
    vid = _concat(pa.scalar(f"{src.source_id}-"), pc.cast(pa.array(np.arange(k)), pa.string()))
    vac = {"vacancy_id": vid, "instansi_id": pa.array([src.instansi_id] * k, pa.string()),
           "region_code": pa.array([src.region_code] * k, pa.string()),
           "jabatan_name": _pick(rng, ("Analis Kepegawaian", "Guru", "Perawat"), k),
           "jabatan_type": _pick(rng, jabatan.TYPES, k), "jabatan_level": _pick(rng, jabatan.CODES, k),
           "min_golongan": _pick(rng, golongan.PNS_CODES, k), "min_education": _pick(rng, education.CODES, k),
           "sector": _pick(rng, ("pendidikan", "kesehatan", "umum"), k),
           "opened_on": _dates(rng, "2025-06-01", 200, k), **lineage(k, "formasi.csv:")}
    return {"performance": _table("performance", perf, 2 * n), "assessment": _table("assessment", assess, len(a_idx)),
            "discipline": _table("discipline", disc, len(d_idx)), "vacancy": _table("vacancy", vac, k)}


def write_lake(root: Path, scale: float, day: str = DAY) -> dict[str, int]:
    """Write the national silver lake (every entity per source) and run records; return rows per entity."""
    sources = load_registry()
    rng = np.random.default_rng(7)
    weights = rng.lognormal(0, 0.8, len(sources))
    sizes = np.maximum(1, (weights / weights.sum() * NATION * scale).astype(int))
    totals = dict.fromkeys(ENTITIES, 0)
    first = 0
    prev_transfers: pa.Table | None = None
    for src, n in zip(sources, sizes, strict=True):
        run_id = f"bench-{day}-{src.source_id}"
        emp = employees(rng, first, int(n), src, run_id)
        first += int(n)
        if prev_transfers is not None and prev_transfers.num_rows:
            # Transferred in from the previous source: same person, later decree, this source's region.
            k = prev_transfers.num_rows
            moved = prev_transfers.set_column(prev_transfers.schema.get_field_index("tmt_jabatan"), "tmt_jabatan",
                                              _dates(rng, "2025-07-01", 150, k))
            for c, v in (("region_code", src.region_code), ("instansi_id", src.instansi_id),
                         ("source_id", src.source_id), ("run_id", run_id)):
                moved = moved.set_column(moved.schema.get_field_index(c), c, pa.array([v] * k, pa.string()))
            moved = moved.set_column(moved.schema.get_field_index("source_row_ref"), "source_row_ref",
                                     _ref("pegawai.csv:", emp.num_rows + k).slice(emp.num_rows))
            emp = pa.concat_tables([emp, moved.cast(emp.schema)])
        prev_transfers = emp.slice(0, max(0, int(n) // 200))
        tables = {"employee": emp, **facts(rng, emp.slice(0, int(n)), src, run_id)}
        ents = {}
        for entity, t in tables.items():
            write_partition(partition_dir("silver", entity, src.source_id, day, root=root), t)
            totals[entity] += t.num_rows
            ents[entity] = {"rows_extracted": t.num_rows, "rows_accepted": t.num_rows, "rows_quarantined": 0,
                            "status": "success", "reason": None}
        write_json_atomic(state_dir(root=root) / "runs" / f"logical_date={day}" / f"{src.source_id}.json", {
            "run_id": run_id, "source_id": src.source_id, "logical_date": day, "kind": src.kind,
            "dialect": src.dialect, "status": "success", "error": None, "started_at": f"{day}T01:00:00",
            "finished_at": f"{day}T01:05:00", "duration_s": 300.0, "entities": ents})
    return totals


def to_sql_baseline(url: str, schema: str, sample: int, source_schema: str | None = None) -> dict[str, float]:
    """Time ``pandas.to_sql`` (SQLAlchemy + psycopg2, chunks of 5 000 rows) into PostgreSQL ``schema``.

    The rows come from the warehouse at ``url`` (the DuckDB file, or the PostgreSQL ``source_schema`` when only
    PostgreSQL was merged). ``sample > 0``: at most that many rows of each published table, to be extrapolated
    table by table (``extrapolate``: the tables differ in width, so in rows/s); ``sample == 0``: every row of
    every published table. Rows are read in batches of 200 000; only the ``to_sql`` calls are timed. Returns
    rows, seconds, rows/s and per table ``[rows, seconds]``.
    """
    import sqlalchemy as sa

    from talenta.warehouse.audit import PUBLISHED_TABLES
    from talenta.warehouse.db import Warehouse

    eng = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg2://"))
    rows = secs = 0.0
    per_table: dict[str, list[float]] = {}
    try:
        with Warehouse(url, schema=source_schema, read_only=source_schema is None) as d:
            for table in PUBLISHED_TABLES:
                sql = f"select * from {table}" + (f" limit {sample}" if sample else "")
                first = True
                t_table = n_table = 0.0
                for batch in d.stream_arrow(sql, batch_rows=200_000):
                    df = batch.to_pandas()
                    for i, field in enumerate(batch.schema):  # psycopg2 adapts Python lists, not numpy arrays
                        if pa.types.is_list(field.type):
                            df[field.name] = batch.column(i).to_pylist()
                    t = time.perf_counter()
                    df.to_sql(f"baseline_{table}", eng, schema=schema, if_exists="replace" if first else "append",
                              index=False, chunksize=5000)
                    t_table += time.perf_counter() - t
                    n_table += len(df)
                    first = False
                per_table[table] = [n_table, round(t_table, 3)]
                rows += n_table
                secs += t_table
                if sample == 0:
                    print(f"to_sql {table}: {t_table:.1f} s", file=sys.stderr, flush=True)
    finally:
        eng.dispose()
    return {"rows": rows, "seconds": round(secs, 2), "rows_per_s": round(rows / secs), "per_table": per_table}


def extrapolate(base: dict, published: dict[str, int]) -> float:
    """Seconds ``to_sql`` would take for all ``published`` rows, at each table's own sampled rate."""
    total = 0.0
    for table, n in published.items():
        rows, secs = base["per_table"][table]
        if n and not rows:
            raise ValueError(f"to_sql sample has no rows of {table}, which has {n}")
        total += secs * n / rows if rows else 0.0
    return total


def second_day(work: Path, scale: float, duck_url: str, out: dict) -> None:
    """Every source delivers again the next day; merge incrementally (facts: previous state + new day),
    then fully (both days re-read), and record both."""
    from talenta.warehouse.merge import merge

    write_lake(work / "lake", scale, "2026-01-06")
    for mode, incremental in (("incremental", True), ("full", False)):
        t = time.perf_counter()
        r = merge(duck_url, lake_root=work / "lake", write_gold=False, incremental=incremental)
        out[f"day2_duckdb_{mode}_s"] = round(time.perf_counter() - t, 1)
        out[f"day2_duckdb_{mode}_timings"] = r.timings
        out[f"day2_{mode}_carried"] = r.incremental
        out[f"day2_{mode}_rows"] = r.row_counts
    out["day2_rows_equal"] = out["day2_incremental_rows"] == out["day2_full_rows"]


def _peak_rss_gib() -> float:
    # Peak resident set size of this process so far (Linux reports KiB).
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def _cpu_s() -> float:
    # CPU of this process and its threads (DuckDB runs in-process; PostgreSQL's server CPU is not included).
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    """Run the benchmark and print a JSON summary."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--repeat", type=int, default=1, help="merges per engine (medians are reported)")
    ap.add_argument("--baseline-rows", type=int, default=100_000,
                    help="at most this many rows of each published table timed for to_sql and extrapolated; "
                         "0 = load every published row (the full baseline: ~25 min at scale 1.0)")
    ap.add_argument("--no-postgres", action="store_true", help="same as --targets duckdb")
    ap.add_argument("--targets", default="duckdb,postgres",
                    help="comma-separated merge targets (duckdb, postgres); one target per process gives that "
                         "merge's own peak RSS")
    ap.add_argument("--lake", type=Path, help="silver lake folder to reuse (written there first when missing; "
                                               "never deleted)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary lake and DuckDB file")
    ap.add_argument("--second-day", action="store_true",
                    help="then deliver the nation again for a second day and time the incremental DuckDB merge "
                         "against a full rebuild of both days")
    args = ap.parse_args()
    targets = {t.strip() for t in args.targets.split(",") if t.strip()} - ({"postgres"} if args.no_postgres else set())
    if not targets or targets - {"duckdb", "postgres"}:
        ap.error(f"--targets: choose from duckdb, postgres (got {args.targets!r})")
    if args.second_day and ("duckdb" not in targets or args.lake):
        ap.error("--second-day needs the duckdb target and a temporary lake (no --lake)")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("talenta.warehouse.merge").setLevel(logging.INFO)  # per-table load seconds (stderr)
    from talenta.settings import duckdb_memory_limit
    from talenta.warehouse.db import Warehouse, pg_loader
    from talenta.warehouse.merge import merge

    work = Path(tempfile.mkdtemp(prefix="wh-bench-"))
    lake = args.lake or work / "lake"
    duck_url = f"duckdb:///{work / 'wh.duckdb'}"
    out: dict = {"scale": args.scale, "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
                 "targets": sorted(targets), "duckdb_memory_limit": duckdb_memory_limit(),
                 "pg_loader": "adbc (binary COPY)" if pg_loader() else "csv COPY"}
    try:
        t = time.perf_counter()
        if args.lake and (args.lake / "silver").exists():
            out["lake_reused"] = str(args.lake)
        else:
            out["silver_rows"] = write_lake(lake, args.scale)
            out["write_lake_s"] = round(time.perf_counter() - t, 1)
        out["peak_rss_gib_before_merge"] = _peak_rss_gib()
        published = 0
        if "duckdb" in targets:
            runs = []
            cpu = _cpu_s()
            for _ in range(args.repeat):
                t = time.perf_counter()
                # Full rebuilds: the national merge from scratch (a repeat would otherwise carry facts over).
                r = merge(duck_url, lake_root=lake, write_gold=False, incremental=False)
                runs.append(round(time.perf_counter() - t, 1))
            out["duckdb_merge_publish_s"] = statistics.median(runs)
            out["duckdb_cpu_s_per_run"] = round((_cpu_s() - cpu) / args.repeat, 1)
            out["duckdb_runs_s"], out["duckdb_timings"], out["published_rows"] = runs, r.timings, r.row_counts
            published = sum(r.row_counts.values())
            out["peak_rss_gib_after_duckdb"] = _peak_rss_gib()
        schema = f"bench_{uuid.uuid4().hex[:6]}"
        try:
            if "postgres" in targets:
                from talenta.warehouse.security import Roles

                roles = Roles(f"{schema}_analyst", f"{schema}_region")  # throw-away roles, dropped below
                runs = []
                cpu = _cpu_s()
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    r = merge(PG_URL, schema=schema, lake_root=lake, write_gold=False, roles=roles)
                    runs.append(round(time.perf_counter() - t, 1))
                out["postgres_merge_publish_s"] = statistics.median(runs)
                out["postgres_client_cpu_s_per_run"] = round((_cpu_s() - cpu) / args.repeat, 1)
                out["postgres_runs_s"], out["postgres_timings"] = runs, r.timings
                out["peak_rss_gib_after_postgres"] = _peak_rss_gib()
                if "published_rows" in out:
                    assert out["published_rows"] == r.row_counts, "DuckDB and PostgreSQL published different counts"
                out["published_rows"] = r.row_counts
                published = sum(r.row_counts.values())
            # The naive baseline, in the same run, into its own PostgreSQL schema whatever the targets.
            with Warehouse(PG_URL) as p:
                p.execute(f"create schema if not exists {schema}_baseline")
            base = (to_sql_baseline(duck_url, f"{schema}_baseline", args.baseline_rows) if "duckdb" in targets
                    else to_sql_baseline(PG_URL, f"{schema}_baseline", args.baseline_rows, source_schema=schema))
            full = args.baseline_rows == 0
            out["to_sql_full" if full else "to_sql_sample"] = base
            out["to_sql_s"] = base["seconds"] if full else round(extrapolate(base, out["published_rows"]), 1)
            out["to_sql_note"] = (f"to_sql of all {int(base['rows'])} published rows, measured" if full else
                                  f"to_sql timed on {int(base['rows'])} rows (at most {args.baseline_rows} per "
                                  f"table), extrapolated table by table to the {published} published rows")
            out["to_sql_note"] += "; it only loads, the merge also reads the lake, transforms and audits"
            for target in sorted(targets):
                out[f"speedup_{target}_vs_to_sql"] = round(out["to_sql_s"] / out[f"{target}_merge_publish_s"], 1)
        finally:
            with Warehouse(PG_URL) as p:
                for suffix in ("", "_staging", "_baseline"):
                    p.execute(f"drop schema if exists {schema}{suffix} cascade")
                if "postgres" in targets:
                    for role in (roles.analyst, roles.region):
                        if p.scalar("select count(*) from pg_roles where rolname = ?", [role]):
                            p.execute(f"drop owned by {role}")
                            p.execute(f"drop role {role}")
        if args.second_day:
            second_day(work, args.scale, duck_url, out)
        out["peak_rss_gib"] = _peak_rss_gib()
        out["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
