"""The national-run benchmark (``make bench``): the nightly chain through Airflow at a chosen scale.

    .venv/bin/python benchmarks/nightly.py --scale 0.05 [--modes embedded,celery] [--sources p001,d3578]

Per mode (embedded = ``dag.test()`` in a child process on SQLite metadata; celery = the CeleryExecutor
topology of ``talenta.deploy.topology`` on this machine's Redis and PostgreSQL) and per stage
(regional_sync, warehouse_merge, talent_scoring): wall time, rows per second (rows extracted from the
sources that night, from the run records), peak memory (largest single process RSS and the whole process
tree, sampled every 0.2 s with psutil) and the Airflow overhead share (1 - time inside task instances /
stage wall). Then two references on the same files: the naive baseline (pandas ``read_csv`` + ``to_sql``
into PostgreSQL on a sample, extrapolated) and the DuckDB floor (plain CSV -> Parquet of every CSV drop
file). Results are appended to ``benchmarks/RESULTS.md`` with the command and the machine.

Stages whose DAG file does not exist yet are reported as missing rather than failing the harness.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil

from talenta import runtime, settings

ROOT = settings.home()

CHAIN = ("regional_sync", "warehouse_merge", "talent_scoring")
# The first night's logical date is the world's snapshot date. A world built here is a snapshot of
# yesterday: the nightly scoring scores as of the day it runs, and records a year older than that count as
# stale (insufficient data), so a world frozen at an old date would leave nearly everyone unscored and make
# the scoring stage look cheaper than a real night. `--world` takes the prebuilt world's own snapshot date.
LOGICAL_DATE = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def night_date(night: int) -> str:
    """Logical date of night ``night`` (0 = the first, full night; later nights follow day by day)."""
    return (dt.date.fromisoformat(LOGICAL_DATE) + dt.timedelta(days=night)).isoformat()


def label(stage: str, night: int) -> str:
    """Stage name in the results: the first night plain, later nights marked incremental."""
    return stage if night == 0 else f"{stage} (night {night + 1}, incremental)"


def advance_world(world: Path) -> float:
    """The next nightly snapshot of the world (~1 % of people change); seconds (not part of the chain)."""
    from talenta.synth import world as synth_world

    start = time.perf_counter()
    synth_world.advance(world, 1)
    return time.perf_counter() - start


class PeakMemory:
    """Samples RSS of a process and its children in a thread; peak single process and peak tree (MB).

    Also samples the machine's 1-minute load average: the machine is shared, so a wall time means little
    without the load it was measured under.
    """

    # Processes that are not Talenta's (the synthetic source systems) are left out of the peaks.
    EXCLUDE: set[int] = set()

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval = pid, interval
        self.peak_process_mb = 0.0
        self.peak_tree_mb = 0.0
        self.loads: list[float] = []
        # (UTC time, largest process MB, tree MB): per-stage peaks when stages share one sampled tree.
        self.samples: list[tuple[dt.datetime, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [p for p in (root, *root.children(recursive=True)) if p.pid not in self.EXCLUDE]
            except psutil.Error:
                procs = []
            rss = []
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    rss.append(proc.memory_info().rss / 2**20)
            if rss:
                self.peak_process_mb = max(self.peak_process_mb, max(rss))
                self.peak_tree_mb = max(self.peak_tree_mb, sum(rss))
                self.samples.append((dt.datetime.now(dt.UTC), max(rss), sum(rss)))
            self.loads.append(os.getloadavg()[0])
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peaks_between(self, start: dt.datetime | None, end: dt.datetime | None) -> tuple[float, float]:
        """Peak process and tree MB sampled within [start, end] (the whole sampling when unknown)."""
        inside = [(p, t) for ts, p, t in self.samples if (start is None or ts >= start) and (end is None or ts <= end)]
        if not inside:
            return self.peak_process_mb, self.peak_tree_mb
        return max(p for p, _ in inside), max(t for _, t in inside)

    @property
    def load(self) -> str:
        """1-minute load average during the sampling: ``min-max (mean)``."""
        if not self.loads:
            return "?"
        return f"{min(self.loads):.1f}-{max(self.loads):.1f} (mean {sum(self.loads) / len(self.loads):.1f})"


def machine() -> str:
    """One line describing this machine."""
    cpu = platform.processor() or "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def start_source_server(world: Path) -> subprocess.Popen:
    """The synthetic REST systems in their own process (``talenta synth serve``), like a region's server.

    Its memory (it keeps a few entities parsed) is the source systems', not Talenta's, so the peaks
    leave it out; its CPU still competes with the chain, as a real source on the same machine would.
    """
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "talenta.cli", "synth", "serve", "--out", str(world),
                             "--port", str(port)], stdout=subprocess.DEVNULL)
    PeakMemory.EXCLUDE.add(proc.pid)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the synthetic REST server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            conns = json.loads((world / "connections.json").read_text())
            if all(c.get("port") == port for c in conns.values() if c.get("conn_type") == "http"):
                return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the synthetic REST server did not start within 120 s")


def present_stages() -> list[str]:
    """Chain stages whose DAG file exists."""
    return [d for d in CHAIN if (ROOT / "dags" / f"{d}.py").exists()]


def build_world(out: Path, scale: float, seed: int, sources: list[str] | None) -> tuple[float, dict]:
    """Build the synthetic nation (``talenta synth build``'s function); seconds and world.json."""
    from talenta.synth import world

    start = time.perf_counter()
    world.build(world.BuildOptions(out=out, scale=scale, seed=seed, faults=False,
                                   snapshot_date=dt.date.fromisoformat(LOGICAL_DATE),
                                   sources=tuple(sources) if sources else None))
    return time.perf_counter() - start, json.loads((out / "world.json").read_text())


def rows_extracted(lake: Path, logical_date: str | None = None) -> int:
    """Rows extracted from all sources that night (default the first), from the run records."""
    logical_date = logical_date or LOGICAL_DATE
    total = 0
    for path in (lake / "_state" / "runs").glob(f"logical_date={logical_date}/*.json"):
        record = json.loads(path.read_text())
        total += sum(e.get("rows_extracted", 0) for e in record.get("entities", {}).values())
    return total


def _busy_seconds(intervals: list[tuple[dt.datetime, dt.datetime]]) -> float:
    """Length of the union of task intervals (parallel tasks are not counted twice)."""
    busy, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is None or start > end:
            busy += (stop - start).total_seconds()
            end = stop
        elif stop > end:
            busy += (stop - end).total_seconds()
            end = stop
    return busy


def _parse(ts: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


def run_embedded(stages: list[str], conf: dict, env: dict, night: int = 0) -> list[dict]:
    """Each stage with ``python -m talenta.dagrun`` (dag.test) in a child process."""
    results = []
    db = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    for dag_id in stages:
        cmd = [sys.executable, "-m", "talenta.dagrun", dag_id, "--date", night_date(night),
               "--conf", json.dumps(conf if dag_id == CHAIN[0] else {})]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with PeakMemory(proc.pid) as mem:
            out, err = proc.communicate()
        wall = time.perf_counter() - start
        # dag.test() logs to stdout too; the summary is the last line dagrun prints.
        lines = [ln for ln in out.splitlines() if ln.startswith('{"dag_id"')]
        summary = json.loads(lines[-1]) if lines else {"state": "error"}
        if summary.get("state") != "success":
            print(f"{dag_id} (embedded) did not succeed: {summary}\n{err[-3000:]}", file=sys.stderr)
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "select start_date, end_date from task_instance where dag_id = ? and run_id = "
                "(select run_id from dag_run where dag_id = ? order by id desc limit 1)", (dag_id, dag_id)).fetchall()
        busy = _busy_seconds([(_parse(a), _parse(b)) for a, b in rows if a and b])
        results.append({"mode": "embedded", "stage": label(dag_id, night), "night": night, "state": summary.get("state"), "wall_s": wall,
                        "busy_s": busy, "peak_process_mb": mem.peak_process_mb, "peak_tree_mb": mem.peak_tree_mb,
                        "load": mem.load})
        if summary.get("state") != "success":
            break  # downstream stages would only measure an empty or stale input
    return results


def run_celery(stages: list[str], conf: dict, data_dir: Path, root: Path, extra_env: dict, nights: int = 1,
               world: Path | None = None) -> list[dict]:
    """The chain through the Celery topology and REST API v2; downstream stages follow by asset.

    Night 2 onwards: the world is advanced one day (outside the timing) and the chain runs again on the
    next logical date, against the same lake and warehouse (the incremental night).
    """
    from talenta.deploy.pools import ensure_pools
    from talenta.deploy.topology import Topology

    results = []
    topo = Topology(root=root, data_dir=data_dir, extra_env=extra_env)
    topo.start(timeout=300)
    try:
        client = topo.client()
        ensure_pools(client)
        client.wait_for_dags(stages, timeout=180)
        for dag_id in stages:
            client.unpause(dag_id)
        # Unpausing starts the latest scheduled night of every source; the benchmark measures its own run.
        client.skip_scheduled_runs(stages)
        for night in range(nights):
            if night:
                print(f"advancing the world for night {night + 1}: {advance_world(world):.1f} s", flush=True)
            results += _celery_night(client, stages, conf, night)
            # Each night's figures as soon as they exist: a later night can take long enough to be stopped.
            (root / "nights_so_far.json").write_text(json.dumps(results, indent=1))
        client.close()
    finally:
        topo.stop()
    return results


def _celery_night(client, stages: list[str], conf: dict, night: int) -> list[dict]:
    """One night of the chain on a running topology."""
    results = []
    logical = dt.datetime.fromisoformat(night_date(night)).replace(tzinfo=dt.UTC).isoformat()
    with PeakMemory(os.getpid()) as mem:
        # The topology's processes are children of this one; the tree peak includes all services.
        t0 = time.perf_counter()
        first = client.trigger(stages[0], conf if stages[0] == CHAIN[0] else {}, logical_date=logical)
        runs = [(stages[0], client.wait_for_run(stages[0], first["dag_run_id"], timeout=4 * 3600))]
        for dag_id in stages[1:]:
            runs.append((dag_id, client.wait_for_any_run(dag_id, after=night, timeout=4 * 3600,
                                                         run_type="asset_triggered")))
        total = time.perf_counter() - t0
    # Stages overlap: the merge's last task (reports) runs after it emits the asset scoring waits for,
    # so each stage is timed on its own run (start to end) and the chain on the union of all tasks.
    every_task = []
    for dag_id, run in runs:
        start = _parse(run.get("start_date") or run.get("queued_at"))
        end = _parse(run.get("end_date"))
        tis = client.task_instances(dag_id, run["dag_run_id"])
        intervals = [(_parse(t["start_date"]), _parse(t["end_date"])) for t in tis
                     if t.get("start_date") and t.get("end_date")]
        every_task += intervals
        wall = (end - start).total_seconds() if start and end else float("nan")
        peak_process, peak_tree = mem.peaks_between(start, end)
        results.append({"mode": "celery", "stage": label(dag_id, night), "night": night, "state": run["state"], "wall_s": wall,
                        "busy_s": _busy_seconds(intervals), "peak_process_mb": peak_process,
                        "peak_tree_mb": peak_tree, "load": mem.load})
    results.append({"mode": "celery", "stage": label("chain (trigger to last stage done)", night),
                    "night": night, "state": "-",
                    "wall_s": total, "busy_s": _busy_seconds(every_task), "peak_process_mb":
                    mem.peak_process_mb, "peak_tree_mb": mem.peak_tree_mb, "load": mem.load})
    return results


def csv_files(world: Path) -> list[Path]:
    """Every CSV drop file of the world."""
    return sorted(world.glob("sources/*/drop/*.csv"))


def jsonl_files(world: Path) -> list[Path]:
    """Every REST source's data as the synthetic server holds it (one JSON record per line)."""
    return sorted(world.glob("sources/*/api/*.jsonl"))


def duckdb_floor(world: Path, out: Path) -> dict:
    """Plain conversion to Parquet with DuckDB alone, of every file DuckDB reads without an extension:
    CSV drops (all columns as text, like bronze) and the REST sources' JSONL. XLSX and SQLite need
    extensions this machine cannot download, so those sources have no floor.
    """
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    kinds = {}
    for kind, files, reader in (("csv", csv_files(world), "read_csv('{}', all_varchar=true, header=true)"),
                                ("rest", jsonl_files(world), "read_json('{}', format='newline_delimited')")):
        rows, start, unreadable = 0, time.perf_counter(), []
        for i, path in enumerate(files):
            target = out / f"{kind}{i:05d}.parquet"
            source = path
            if path.stat().st_size == 0:
                continue
            try:
                con.execute(f"copy (select * from {reader.format(source)}) to '{target}' "
                            "(format parquet, compression zstd)")
            except duckdb.InvalidInputException:
                # Legacy exports mix encodings (an injected defect): transcode to UTF-8 first, as the sync does.
                source = out / f"{kind}{i:05d}.utf8"
                source.write_text(path.read_bytes().decode("cp1252", errors="replace"), encoding="utf-8")
                try:
                    con.execute(f"copy (select * from {reader.format(source)}) to '{target}' "
                                "(format parquet, compression zstd)")
                except duckdb.Error:
                    # A broken file of the generator (truncated, half-written): the sync reports it as
                    # failed, and DuckDB cannot read it either; it is left out of the floor and counted.
                    unreadable.append(str(path))
                    continue
                finally:
                    source.unlink()
            rows += con.execute(f"select count(*) from '{target}'").fetchone()[0]
        seconds = time.perf_counter() - start
        kinds[kind] = {"files": len(files), "unreadable": unreadable, "rows": rows, "seconds": seconds,
                       "rows_per_s": rows / seconds if seconds else 0}
    csv = kinds["csv"]
    return {**csv, "kinds": kinds}


def sync_seconds_by_format(lake: Path, logical_date: str) -> dict[str, dict]:
    """Per source format (csv, xlsx, rest, sql): sources, rows extracted and the summed per-source
    extract + bronze + harmonize time from the run records (``extract_s``: one core's worth of work)."""
    from talenta.sources.dialects import get_dialect

    out: dict[str, dict] = {}
    for path in (lake / "_state" / "runs").glob(f"logical_date={logical_date}/*.json"):
        record = json.loads(path.read_text())
        fmt = get_dialect(record["dialect"]).format
        key = {"json": "rest"}.get(fmt, fmt)
        entry = out.setdefault(key, {"sources": 0, "rows": 0, "seconds": 0.0})
        entry["sources"] += 1
        entry["rows"] += sum(e.get("rows_extracted", 0) for e in record.get("entities", {}).values())
        entry["seconds"] += float(record.get("extract_s") or 0)
    return out


def naive_baseline(world: Path, sample_rows: int, floor_rows: int) -> dict:
    """pandas read_csv + to_sql into a fresh PostgreSQL database for a sample; extrapolated to all rows."""
    import pandas as pd
    import sqlalchemy as sa

    from talenta.deploy.topology import PG_ADMIN_DSN, admin_sql, pg_url

    db = f"talenta_bench_{uuid.uuid4().hex[:8]}"
    admin_sql(PG_ADMIN_DSN, f'create database "{db}"')
    engine = sa.create_engine(pg_url(PG_ADMIN_DSN, db).replace("postgresql://", "postgresql+psycopg2://"))
    loaded, start = 0, time.perf_counter()
    try:
        for i, path in enumerate(csv_files(world)):
            if loaded >= sample_rows:
                break
            try:
                frame = pd.read_csv(path, dtype=str, sep=None, engine="python", nrows=sample_rows - loaded,
                                    encoding_errors="replace")
            except (ValueError, pd.errors.ParserError, csv.Error):
                # csv.Error: the delimiter sniffer gives up on some files (one column, odd quoting).
                continue  # broken files are the pipeline's business; the baseline just loads the rest
            frame.to_sql(f"t{i}", engine, index=False, if_exists="replace", chunksize=5000, method="multi")
            loaded += len(frame)
        seconds = time.perf_counter() - start
    finally:
        engine.dispose()
        admin_sql(PG_ADMIN_DSN, f'drop database if exists "{db}" with (force)')
    rate = loaded / seconds if seconds else 0.0
    return {"rows": loaded, "seconds": seconds, "rows_per_s": rate,
            "extrapolated_s": floor_rows / rate if rate else float("nan")}


def render(args: argparse.Namespace, command: str, world_s: float, info: dict, stages: list[str],
           results: list[dict], rows: dict[int, int], floor: dict, naive: dict,
           by_format: dict[str, dict] | None = None) -> str:
    """The RESULTS.md section of one run."""
    lines = [
        f"### Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} at scale {args.scale}",
        "", f"Command: `{command}`", "", f"Machine: {machine()}", "",
        f"World: {len(info.get('sources', []))} sources, seed {args.seed}, built in {world_s:.1f} s "
        f"(not part of the chain; nan = built earlier, --world). Rows extracted per night: "
        f"{', '.join(f'night {n + 1}: {r:,}' for n, r in sorted(rows.items())) or 'none'}.",
        f"Stages present: {', '.join(stages) or 'none'}; missing: "
        f"{', '.join(d for d in CHAIN if d not in stages) or 'none'}.", "",
        "| mode | stage | state | wall s | rows/s | peak process MB | peak tree MB | Airflow overhead | load 1 min |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        night_rows = rows.get(r.get("night", 0), 0)
        rate = night_rows / r["wall_s"] if r["wall_s"] and night_rows else 0
        overhead = 1 - r["busy_s"] / r["wall_s"] if r["wall_s"] else float("nan")
        lines.append(f"| {r['mode']} | {r['stage']} | {r['state']} | {r['wall_s']:.1f} | {rate:,.0f} | "
                     f"{r['peak_process_mb']:,.0f} | {r['peak_tree_mb']:,.0f} | {overhead:.0%} | {r.get('load', '?')} |")
    lines += [
        "",
        f"DuckDB floor (CSV -> Parquet, {floor['files']} drop files): {floor['rows']:,} rows in "
        f"{floor['seconds']:.1f} s = {floor['rows_per_s']:,.0f} rows/s"
        + (f" ({len(floor['unreadable'])} broken files that DuckDB cannot read either are left out)."
           if floor.get("unreadable") else "."),
        f"Naive baseline (pandas read_csv + to_sql into PostgreSQL): {naive['rows']:,} sample rows in "
        f"{naive['seconds']:.1f} s = {naive['rows_per_s']:,.0f} rows/s; the same {floor['rows']:,} CSV rows "
        f"would take about {naive['extrapolated_s']:.0f} s (extrapolated, linear). Load (1 min) during "
        f"both references: {floor.get('load', '?')}.",
        "",
        "Extract + harmonize vs DuckDB alone on the same sources (first night). ours = the run records' "
        "per-source `extract_s` added up (extract, bronze Parquet, harmonize; one core's work, not wall; "
        "validation and silver writes come on top, once per shard); DuckDB = plain conversion of the same "
        "sources' files to Parquet, one core:", "",
        "| format | sources | rows extracted | ours (summed) s | DuckDB s | ours / DuckDB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for fmt, entry in sorted((by_format or {}).items()):
        duck = floor.get("kinds", {}).get(fmt)
        ratio = f"{entry['seconds'] / duck['seconds']:.1f}x" if duck and duck["seconds"] else "no DuckDB reader"
        duck_s = f"{duck['seconds']:.1f}" if duck else "-"
        lines.append(f"| {fmt} | {entry['sources']} | {entry['rows']:,} | {entry['seconds']:.1f} | {duck_s} | {ratio} |")
    lines += [
        "",
        "rows/s = rows extracted from the sources that night / stage wall time (the same numerator for every "
        "stage, so the figures compare stages). Celery stages overlap (the merge's reports task runs while "
        "scoring runs), so their walls need not add up to the chain's. Airflow overhead = 1 - (union of task-instance run time) / "
        "stage wall: scheduling, queueing, worker start and DAG parsing. Peak process = the largest single "
        "process; tree = the benchmark process and all its children (embedded: the dag.test process; "
        "celery: every Airflow service).", "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; append the results to benchmarks/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--sources", default=None, help="comma-separated source ids (default: all 644)")
    parser.add_argument("--modes", default="embedded,celery")
    parser.add_argument("--work", default=str(ROOT / "data" / "bench"), help="scratch folder (emptied)")
    parser.add_argument("--baseline-rows", type=int, default=50_000, help="sample size of the naive baseline")
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    parser.add_argument("--nights", type=int, default=1,
                        help="nights to run: the first is the full night, each later one advances the world a day "
                             "(~1 %% of people change) and runs the chain again on the same lake and warehouse")
    parser.add_argument("--world", default=None,
                        help="reuse a world built earlier with the same scale and seed (`talenta synth build "
                             "--no-faults`) instead of building one in --work (a national build takes ~3 min)")
    parser.add_argument("--references-only", action="store_true",
                        help="keep --work's chain figures (chain_results.json of a run whose references failed) and "
                             "only take the DuckDB floor and the naive baseline, then write the results")
    args = parser.parse_args(argv)
    command = "python benchmarks/nightly.py " + " ".join(argv if argv is not None else sys.argv[1:])
    sources = args.sources.split(",") if args.sources else None
    work = Path(args.work).resolve()
    if args.references_only:
        if not args.world or not (work / "chain_results.json").exists():
            parser.error("--references-only needs --world and the --work folder of the run (its chain_results.json)")
        return references_and_results(args, command, work, Path(args.world).resolve(),
                                      **json.loads((work / "chain_results.json").read_text()))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    world = Path(args.world).resolve() if args.world else work / "world"
    first_world = world  # the first night's files: what the floor converts (later nights add files to a copy)
    if args.world and args.nights > 1:
        # Later nights advance the world in place; keep the prebuilt one as it is for the next benchmark.
        shutil.copytree(world, work / "world")
        world = work / "world"
    env = runtime.airflow_env({**os.environ, "TALENTA_DATA_DIR": str(work / "embedded"),
                               "AIRFLOW_HOME": str(work / "airflow_home")})
    if args.world:
        global LOGICAL_DATE
        info = json.loads((world / "world.json").read_text())
        if (info.get("scale"), info.get("seed")) != (args.scale, args.seed):
            parser.error(f"--world {world} was built with scale {info.get('scale')} and seed {info.get('seed')}, "
                         f"not {args.scale} and {args.seed}")
        LOGICAL_DATE = info["snapshot_date"]
        age = (dt.date.today() - dt.date.fromisoformat(LOGICAL_DATE)).days
        if age > 30:
            print(f"warning: --world {world} is a snapshot of {LOGICAL_DATE}, {age} days ago; the scoring (as of "
                  "today) will find most records stale. Build a fresh world: talenta synth build --snapshot-date "
                  "<yesterday>", file=sys.stderr, flush=True)
        world_s = float("nan")
    else:
        world_s, info = build_world(world, args.scale, args.seed, sources)
    stages = present_stages()
    conf = {"sources": sources or info.get("sources", []), "world": str(world)}
    secrets_env = {
        "AIRFLOW__SECRETS__BACKEND": "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps({"connections_file_path": str(world / "connections.json")}),
    }
    server = None
    results: list[dict] = []
    rows: dict[int, int] = {}
    try:
        if stages and any((world / "sources").glob("*/api")):
            server = start_source_server(world)
        modes = args.modes.split(",") if stages else []
        if args.nights > 1 and len(modes) > 1:
            parser.error("--nights > 1 advances the world, so it runs one mode at a time (--modes embedded or celery)")
        if "embedded" in modes:
            runtime.ensure_airflow_db(env)
            for night in range(args.nights):
                if night:
                    print(f"advancing the world for night {night + 1}: {advance_world(world):.1f} s", flush=True)
                results += run_embedded(stages, conf, {**env, **secrets_env}, night)
                rows[night] = rows_extracted(work / "embedded" / "lake", night_date(night))
        if "celery" in modes:
            results += run_celery(stages, conf, work / "celery_data", work / "celery", secrets_env,
                                  nights=args.nights, world=world)
            for night in range(args.nights):
                rows[night] = rows.get(night) or rows_extracted(work / "celery_data" / "lake", night_date(night))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        # Keep the chain's figures even if a reference below fails: they cost minutes to remake.
        (work / "chain_results.json").write_text(json.dumps({"rows": rows, "results": results}, indent=1))
    return references_and_results(args, command, work, first_world, rows, results, world_s=world_s, info=info,
                                  stages=stages, modes=modes)


def references_and_results(args: argparse.Namespace, command: str, work: Path, world: Path, rows: dict,
                           results: list[dict], *, world_s: float = float("nan"), info: dict | None = None,
                           stages: list[str] | None = None, modes: list[str] | None = None) -> int:
    """The DuckDB floor and the naive baseline over ``world``'s files, then the results section."""
    global LOGICAL_DATE
    info = info or json.loads((world / "world.json").read_text())
    LOGICAL_DATE = info["snapshot_date"]
    stages = stages if stages is not None else present_stages()
    modes = modes if modes is not None else sorted({r["mode"] for r in results})
    rows = {int(k): v for k, v in rows.items()}
    with PeakMemory(os.getpid()) as ref_mem:
        floor = duckdb_floor(world, work / "floor")
        naive = naive_baseline(world, args.baseline_rows, floor["rows"])
    floor["load"] = ref_mem.load
    lake = work / ("embedded" if "embedded" in modes else "celery_data") / "lake"
    by_format = sync_seconds_by_format(lake, night_date(0)) if modes else {}
    section = render(args, command, world_s, info, stages, results, rows, floor, naive, by_format)
    results_path = Path(args.results)
    header = ("# Nightly chain benchmark results\n\n## Harness output (appended by `make bench`, "
              "newest last)\n\n")
    previous = results_path.read_text() if results_path.exists() else header
    results_path.write_text(previous.rstrip("\n") + "\n\n" + section)
    print(section)
    return 0 if all(r["state"] in ("success", "-") for r in results) else 1


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # `kill` (SIGTERM) ends the benchmark like Ctrl-C: the `finally` blocks stop the Airflow services, the
    # Celery worker and the source server instead of leaving them running on the machine.
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    sys.exit(main())
