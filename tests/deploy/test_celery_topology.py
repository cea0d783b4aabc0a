"""The Celery topology for real: Airflow api-server, scheduler, dag-processor and a Celery worker on this
machine's Redis and PostgreSQL, driven through REST API v2 as an operator's client would.

1. the deployment smoke chain (tests/deploy/dags): a task runs on the Celery worker, writes to the PostgreSQL
   warehouse and the shared lake, in a pool, and its asset event starts the follower DAG;
2. the nightly chain on the smallest nation that has all three source kinds (one SQL database, one file
   drop, one REST API at a tiny scale): trigger ``regional_sync`` (or the first stage of the chain that
   exists yet), let the downstream stages follow through their assets, check the PostgreSQL warehouse.

Time: Airflow's pacing is shortened through ``QUICK_ENV`` (dag folder rescan, heartbeats, retry delays),
the client polls every second, and a task that fails or goes up for retry stops the wait at once with its
log tail. The run folder (service logs, task logs, lake) stays in pytest's tmp dir for diagnosis.

Stages not written yet are left out automatically: extend ``CHAIN`` / ``WAREHOUSE_CHECKS`` as they land.
Under CI a missing Redis or PostgreSQL fails the test; elsewhere it skips.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import psycopg2
import pytest

from talenta import settings
from talenta.deploy.client import TaskFailedError
from talenta.deploy.pools import ensure_pools, pool_sizes
from talenta.deploy.topology import QUICK_ENV, ServiceUnavailable, Topology, check_services
from talenta.sources.registry import get_source
from tests.conftest import require_service

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

HERE = Path(__file__).parent
# One source per kind (config/sources.yaml): p001 sql_db, d3578 file_drop (a kota), p008 rest_api.
SOURCES = ("p001", "d3578", "p008")
SCALE = 0.001
LOGICAL_DATE = "2026-12-01"

# The nightly chain in order: (dag_id, conf to trigger it with or None when an asset starts it).
CHAIN = (
    ("regional_sync", lambda world: {"sources": list(SOURCES), "world": str(world)}),
    ("warehouse_merge", None),
    ("talent_scoring", None),
)
# What must hold in the warehouse after each stage: (dag_id, table, minimum rows).
WAREHOUSE_CHECKS = (
    ("warehouse_merge", "source_sync", 1),
    ("warehouse_merge", "employee_current", 1),
    ("warehouse_merge", "dim_region", 1),
)


def _require_services() -> None:
    try:
        check_services()
    except ServiceUnavailable as exc:
        require_service("the Celery topology's services", str(exc))


def _dags_folder(tmp_path: Path) -> Path:
    """The project's DAG files plus the deployment smoke DAGs, in one folder for the dag-processor."""
    folder = tmp_path / "dags"
    folder.mkdir()
    for path in [*sorted((settings.home() / "dags").glob("*.py")), HERE / "dags" / "deploy_smoke.py"]:
        (folder / path.name).symlink_to(path)
    return folder


def _present_chain() -> list[tuple[str, object]]:
    return [(dag_id, conf) for dag_id, conf in CHAIN if (settings.home() / "dags" / f"{dag_id}.py").exists()]


def _world(tmp_path: Path):
    """A small synthetic nation with its REST server, when the synth stage exists; else (None, None)."""
    try:
        from talenta.synth.server import start_background
        from talenta.synth.testing import small_world
    except ImportError:
        return None, None
    world = small_world(tmp_path, sources=list(SOURCES), scale=SCALE)
    server, _ = start_background(world)
    return world, server


def _count(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f'select count(*) from "{table}"')  # table names come from WAREHOUSE_CHECKS, not input
        return cur.fetchone()[0]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """The running topology (and the small world when the chain can run), stopped and checked at the end."""
    _require_services()
    tmp_path = tmp_path_factory.mktemp("deploy")
    chain = _present_chain()
    world, server = _world(tmp_path) if chain and chain[0][0] == "regional_sync" else (None, None)
    # The reports portal maps Airflow users to report scopes; the test's operator is BKN (sees all regions).
    extra_env = dict(QUICK_ENV) | {"TALENTA_REPORTS_USERS": json.dumps({"admin": "BKN"})}
    if world is not None:
        # Sources' connections through Airflow's secrets backend, as production would hold them.
        extra_env |= {
            "AIRFLOW__SECRETS__BACKEND": "airflow.secrets.local_filesystem.LocalFilesystemBackend",
            "AIRFLOW__SECRETS__BACKEND_KWARGS": json.dumps({"connections_file_path": str(world / "connections.json")}),
        }
    topo = Topology(root=tmp_path / "celery", dags_folder=_dags_folder(tmp_path), extra_env=extra_env)
    try:
        topo.start(timeout=240)
        pgids = [p.pid for p in topo.procs.values()]
        client = topo.client()
        assert ensure_pools(client) == pool_sizes()
        client.wait_for_dags(["deploy_smoke", "deploy_smoke_follow", "deploy_smoke_retry"], timeout=90)
        yield topo, client, chain, world
        client.close()
    finally:
        topo.stop()
        if server is not None:
            server.shutdown()
    # Nothing left behind: every process group gone, both databases dropped.
    for pgid in pgids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pgid, 0)
    with psycopg2.connect(topo.pg_admin_dsn) as conn, conn.cursor() as cur:
        cur.execute("select datname from pg_database where datname in (%s, %s)", (topo.metadata_db, topo.warehouse_db))
        assert cur.fetchall() == []
    # The run folder (service logs, task logs, lake) stays in pytest's tmp dir for diagnosis.


def _warehouse(topo: Topology):
    return psycopg2.connect(topo.warehouse_url.replace("+psycopg2", ""))


def test_pools_are_set_through_rest(deployment):
    _, client, _, _ = deployment
    assert {k: v for k, v in client.pools().items() if k in pool_sizes()} == pool_sizes()


def test_sources_cover_every_kind():
    assert {get_source(s).kind for s in SOURCES} == {"sql_db", "file_drop", "rest_api"}


def test_smoke_chain_runs_on_the_celery_worker(deployment):
    topo, client, _, _ = deployment
    client.unpause("deploy_smoke_follow")
    client.unpause("deploy_smoke")
    run = client.trigger("deploy_smoke", {"rows": 5})
    done = client.wait_for_run("deploy_smoke", run["dag_run_id"], timeout=90)
    assert done["state"] == "success", client.task_instances("deploy_smoke", run["dag_run_id"])
    tis = client.task_instances("deploy_smoke", run["dag_run_id"])
    assert [t["pool"] for t in tis] == ["talenta_files"]
    assert all(t["queue"] == topo.queue for t in tis), "task did not go through this topology's Celery queue"
    follow = client.wait_for_any_run("deploy_smoke_follow", timeout=90, appear_timeout=30)
    assert follow["state"] == "success"
    with _warehouse(topo) as conn, conn.cursor() as cur:
        cur.execute("select count(*), count(distinct pid) from smoke_row where run_id = %s", (run["dag_run_id"],))
        assert cur.fetchone() == (5, 1)
        cur.execute("select max(rows_seen) from smoke_follow")
        assert cur.fetchone()[0] >= 5
    markers = list((Path(topo.env["TALENTA_DATA_DIR"]) / "smoke").glob("*.txt"))
    assert [m.read_text().strip() for m in markers] == ["5"]
    # The task log is readable through the REST API, as an operator reads it.
    assert "Done. Returned value" in client.task_log("deploy_smoke", run["dag_run_id"], "write", 1)


def test_failed_try_stops_the_wait_with_its_log_and_retries_soon(deployment):
    _, client, _, _ = deployment
    client.unpause("deploy_smoke_retry")
    run = client.trigger("deploy_smoke_retry")
    started = time.monotonic()
    with pytest.raises(TaskFailedError, match=r"up_for_retry|failed") as failure:
        client.wait_for_run("deploy_smoke_retry", run["dag_run_id"], timeout=60)
    assert "planned failure on try 1" in str(failure.value)
    assert time.monotonic() - started < 60
    # The DAG's retry delay comes from TALENTA_RETRY_DELAY_S (5 s), not the production 5 minutes.
    done = client.wait_for_run("deploy_smoke_retry", run["dag_run_id"], timeout=60, fail_fast=False)
    assert done["state"] == "success"
    [ti] = client.task_instances("deploy_smoke_retry", run["dag_run_id"])
    assert ti["try_number"] == 2


def test_nightly_chain_through_rest(deployment, tmp_path, monkeypatch):
    topo, client, chain, world = deployment
    # The whole chain exists: a missing stage is a regression, never a reason to skip.
    assert chain and chain[0][0] == "regional_sync" and world is not None, (
        f"nightly chain not drivable (stages present: {[d for d, _ in chain]}, synth: {world is not None})")
    dag_ids = [d for d, _ in chain]
    client.wait_for_dags(dag_ids, timeout=60)
    for dag_id in dag_ids:
        client.unpause(dag_id)
    # Unpausing starts the latest scheduled night (all 644 sources): skip it, as docs/operations.md says.
    assert "regional_sync" in client.skip_scheduled_runs(dag_ids)
    first, conf = chain[0]
    logical = dt.datetime.fromisoformat(LOGICAL_DATE).replace(tzinfo=dt.UTC).isoformat()
    run = client.trigger(first, conf(world) if conf else {}, logical_date=logical)
    states = {first: client.wait_for_run(first, run["dag_run_id"], timeout=150)["state"]}
    assert states[first] == "success", client.task_instances(first, run["dag_run_id"])
    for dag_id, _ in chain[1:]:
        done = client.wait_for_any_run(dag_id, timeout=90, appear_timeout=30, run_type="asset_triggered")
        states[dag_id] = done["state"]
        assert done["state"] == "success", (dag_id, client.task_instances(dag_id, done["dag_run_id"]))
    assert set(states.values()) == {"success"}, states
    present = set(dag_ids)
    lake = Path(topo.env["TALENTA_DATA_DIR"]) / "lake"
    with _warehouse(topo) as conn:
        for dag_id, table, minimum in WAREHOUSE_CHECKS:
            if dag_id in present:
                assert _count(conn, table) >= minimum, f"{table} after {dag_id}"
        with conn.cursor() as cur:
            # Every source of the nation reached the warehouse, and every row is accounted for.
            cur.execute("select distinct source_id from source_sync")
            assert {r[0] for r in cur.fetchall()} >= set(SOURCES)
            if "talent_scoring" in present:
                cur.execute("select count(*) from employee_current")
                employees = cur.fetchone()[0]
                cur.execute("select count(*), count(distinct run_id) from talent_score")
                scored, runs = cur.fetchone()
                assert runs == 1 and scored == employees > 0
                cur.execute("select scored_on from scoring_run")
                assert cur.fetchone()[0] is not None
    for source in SOURCES:
        record = json.loads((lake / "_state" / "runs" / f"logical_date={LOGICAL_DATE}" / f"{source}.json").read_text())
        for entity, counts in record["entities"].items():
            assert counts["rows_extracted"] == counts["rows_accepted"] + counts["rows_quarantined"], (source, entity)
    if "warehouse_merge" in present:
        _same_as_duckdb(topo, lake, tmp_path, monkeypatch)


def _same_as_duckdb(topo: Topology, lake: Path, tmp_path: Path, monkeypatch) -> None:
    """The chain's PostgreSQL warehouse holds what the embedded DuckDB default makes of the same lake: every
    published table has the same row count and order-independent checksum."""
    from talenta.warehouse.audit import PUBLISHED_TABLES
    from talenta.warehouse.db import Warehouse
    from talenta.warehouse.merge import merge, table_checksum

    # The same NIK hashes as the worker's merge: its salt, or none (the development salt) when it had none.
    salt = topo.env.get("TALENTA_ANALYST_SALT")
    if salt is None:
        monkeypatch.delenv("TALENTA_ANALYST_SALT", raising=False)
    else:
        monkeypatch.setenv("TALENTA_ANALYST_SALT", salt)
    duck_url = f"duckdb:///{tmp_path / 'same_lake.duckdb'}"
    merge(duck_url, lake_root=lake, logical_date=LOGICAL_DATE, write_gold=False)
    with Warehouse(duck_url, read_only=True) as d, Warehouse(topo.warehouse_url) as p:
        for table in PUBLISHED_TABLES:
            assert table_checksum(p, table) == table_checksum(d, table), table


def test_reports_portal_inside_airflow_requires_an_airflow_user(deployment):
    """The plugin's pages, served by the real api-server: refused anonymously, shown to a logged-in user."""
    import httpx

    topo, client, _, _ = deployment
    page = f"{topo.api_url}/talenta-reports/files/national/index.html"
    assert httpx.get(page, timeout=30).status_code in (401, 403)
    assert httpx.get(page, headers={"Authorization": "Bearer forged.token.value"}, timeout=30).status_code == 401
    auth = {"Authorization": f"Bearer {client.login()}"}
    # warehouse_merge's reports task built the pages during the nightly chain above.
    shown = httpx.get(page, headers=auth, timeout=30)
    assert shown.status_code == 200, shown.text[:300]
    assert "d3578" in shown.text.lower() or "D3578" in shown.text
    outside = httpx.get(f"{topo.api_url}/talenta-reports/files/..%2F..%2F..%2Fetc%2Fpasswd", headers=auth, timeout=30)
    assert outside.status_code in (400, 404) and "root:" not in outside.text
    # The talent report of the nightly scoring, through the same portal (BKN scope).
    talent = f"{topo.api_url}/talenta-talent/files/index.html"
    assert httpx.get(talent, timeout=30).status_code in (401, 403)
    shown = httpx.get(talent, headers=auth, timeout=30)
    assert shown.status_code == 200 and "9-box per province" in shown.text, shown.text[:300]
