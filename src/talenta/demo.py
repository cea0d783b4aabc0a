"""``make demo``: build a small synthetic nation and run the nightly chain through Airflow, embedded.

Steps: build the synthetic source systems (a sample of every kind and dialect, or all 644 with ``--all``),
serve the REST sources on loopback, point Airflow at the generated connections (a local secrets file, as a
deployment would use its secrets backend), then run ``regional_sync`` → ``warehouse_merge`` →
``talent_scoring`` with ``dag.test()`` (each in its own process, as the scheduler would), and print what
happened and where the outputs are.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from talenta import runtime, settings

PER_DIALECT = 4
CENTRAL = 3
CHAIN = ("regional_sync", "warehouse_merge", "talent_scoring")


def demo_sources() -> list[str]:
    """A sample covering every dialect (and so every kind): a few regional governments each, plus central agencies."""
    from talenta.sources.registry import load_registry

    chosen: list[str] = []
    by_dialect: dict[str, int] = {}
    for src in load_registry():
        if src.level == "daerah" and by_dialect.get(src.dialect, 0) < PER_DIALECT:
            # Spread over provinces: take a source only if its province is not yet in the sample.
            if src.region_code[:2] in {s[1:3] for s in chosen}:
                continue
            by_dialect[src.dialect] = by_dialect.get(src.dialect, 0) + 1
            chosen.append(src.source_id)
    chosen += [s.source_id for s in load_registry() if s.level == "pusat"][:CENTRAL]
    return chosen


def demo_env(world_dir: Path) -> dict[str, str]:
    """Embedded Airflow env whose connections come from the synthetic world's connections file."""
    env = runtime.airflow_env()
    env["AIRFLOW__SECRETS__BACKEND"] = "airflow.secrets.local_filesystem.LocalFilesystemBackend"
    env["AIRFLOW__SECRETS__BACKEND_KWARGS"] = json.dumps(
        {"connections_file_path": str(world_dir / "connections.json")})
    return env


def _clean(data: Path) -> None:
    for name in ("lake", "sources", "reports"):
        shutil.rmtree(data / name, ignore_errors=True)
    for path in data.glob("warehouse.duckdb*"):
        path.unlink()


def run_chain(env: dict[str, str], conf: dict, logical_date: str) -> list[dict]:
    """Run the three DAGs in order, each in its own process; stop at the first that does not succeed."""
    results = []
    for dag_id in CHAIN:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "talenta.dagrun", dag_id, "--conf", json.dumps(conf if dag_id == CHAIN[0] else {}),
             "--date", logical_date],
            env=env, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - started
        last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
        try:
            summary = json.loads(last)
        except json.JSONDecodeError:
            summary = {"dag_id": dag_id, "state": "error"}
        summary["wall_s"] = round(seconds, 1)
        results.append(summary)
        print(f"  {dag_id:<16} {summary.get('state', '?'):<8} {seconds:6.1f} s")
        if done.returncode != 0:
            log = Path(env["AIRFLOW_HOME"]) / f"demo-{dag_id}.log"
            log.write_text(done.stdout + "\n" + done.stderr)
            print(f"  {dag_id} did not succeed; its output is in {log}")
            failed = {k: v for k, v in summary.get("tasks", {}).items() if v != "success"}
            if failed:
                print(f"  tasks not successful: {failed}")
            break
    return results


def print_summary(world_dir: Path) -> None:
    """What the warehouse holds after the chain, and where everything is."""
    from talenta.warehouse.db import Warehouse

    with Warehouse() as wh:
        def count(sql: str) -> int:
            return int(wh.query_arrow(sql).column(0)[0].as_py())

        lines = [
            ("sources synced", "select count(distinct source_id) from source_sync"),
            ("source_sync rows", "select count(*) from source_sync"),
            ("  of them not success", "select count(*) from source_sync where status <> 'success'"),
            ("rows quarantined", "select count(*) from quarantined_record"),
            ("current employees", "select count(*) from employee_current"),
            ("identity conflicts", "select count(*) from identity_conflict"),
            ("talent scores", "select count(*) from talent_score"),
            ("  in the national pool (box 9)", "select count(*) from talent_score where in_national_pool"),
            ("primary mobility proposals", "select count(*) from mobility_recommendation where is_primary"),
        ]
        for label, sql in lines:
            try:
                print(f"  {label:<32} {count(sql):>8,}")
            except Exception as exc:  # a table a failed stage did not build: say so, keep going
                print(f"  {label:<32} {'-':>8}  ({type(exc).__name__})")
    print()
    print(f"  synthetic sources  {world_dir}")
    print(f"  lake               {settings.lake_dir()}")
    print(f"  warehouse          {settings.warehouse_url()}   (try: talenta query \"select * from source_sync limit 5\")")
    print(f"  regional reports   {settings.reports_dir()}")


def run_demo(*, scale: float, seed: int, all_sources: bool = False, fresh: bool = True) -> int:
    """Build, serve, run the chain, summarise. Returns 0 when every DAG run succeeded."""
    from talenta.synth import server, world

    data = settings.data_dir()
    if fresh:
        _clean(data)
    world_dir = settings.sources_dir()
    sources = None if all_sources else demo_sources()
    started = time.perf_counter()
    print(f"talenta demo: building {len(sources) if sources else 'all'} synthetic sources (scale {scale}) in {world_dir}")
    doc = world.build(world.BuildOptions(out=world_dir, scale=scale, seed=seed,
                                         sources=tuple(sources) if sources else None, workers=2))
    print(f"  built in {time.perf_counter() - started:.1f} s; snapshot {doc['snapshot_date']}")
    api, _ = server.start_background(world_dir)
    try:
        env = demo_env(world_dir)
        print("talenta demo: preparing the embedded Airflow metadata database")
        runtime.ensure_airflow_db(env)
        from talenta.deploy.pools import ensure_pools

        ensure_pools(env=env)
        print("talenta demo: running the nightly chain through Airflow (dag.test)")
        conf = {"sources": doc["sources"]}
        results = run_chain(env, conf, doc["snapshot_date"])
    finally:
        api.shutdown()
    print()
    print_summary(world_dir)
    ok = len(results) == len(CHAIN) and all(r.get("state") == "success" for r in results)
    print(f"\ntalenta demo: {'done' if ok else 'FAILED'} in {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1
