"""Deployment smoke chain: proves a task runs on the Celery worker, reaches the PostgreSQL warehouse and the
shared lake, and that an asset event triggers the follower DAG, the same wiring as the nightly chain
(regional_sync -> warehouse_merge -> talent_scoring). Used only by tests/deploy. ``deploy_smoke_retry`` fails its first try on purpose (fail-fast waits, short
retry delays in the test deployment).
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, task

from talenta.dagkit import DEFAULT_ARGS, START_DATE, Tag

SMOKE_ASSET = Asset(name="talenta_deploy_smoke", uri="talenta://deploy/smoke")


def _warehouse_conn():
    import os

    import psycopg2

    url = os.environ["TALENTA_WAREHOUSE_URL"].replace("postgresql+psycopg2://", "postgresql://")
    return psycopg2.connect(url)


@dag(schedule=None, start_date=START_DATE, catchup=False, default_args={**DEFAULT_ARGS, "retries": 0},
     tags=[Tag.OPERATIONS], doc_md=__doc__)
def deploy_smoke():
    @task(pool="talenta_files", outlets=[SMOKE_ASSET])
    def write(params=None, dag_run=None) -> dict:
        import os
        import socket

        from talenta.settings import data_dir

        rows = int((dag_run.conf or {}).get("rows", 3))
        marker = data_dir() / "smoke" / f"{dag_run.run_id.replace(':', '_')}.txt"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(f"{rows}\n")
        with _warehouse_conn() as conn, conn.cursor() as cur:
            cur.execute("create table if not exists smoke_row (run_id text, n int, host text, pid int)")
            cur.executemany("insert into smoke_row values (%s, %s, %s, %s)",
                            [(dag_run.run_id, i, socket.gethostname(), os.getpid()) for i in range(rows)])
        return {"rows": rows, "marker": str(marker)}

    write()


@dag(schedule=[SMOKE_ASSET], start_date=START_DATE, catchup=False, default_args={**DEFAULT_ARGS, "retries": 0},
     tags=[Tag.OPERATIONS], doc_md=__doc__)
def deploy_smoke_follow():
    @task
    def count() -> int:
        with _warehouse_conn() as conn, conn.cursor() as cur:
            cur.execute("select count(*) from smoke_row")
            total = cur.fetchone()[0]
            cur.execute("create table if not exists smoke_follow (rows_seen int)")
            cur.execute("insert into smoke_follow values (%s)", (total,))
        return total

    count()


@dag(schedule=None, start_date=START_DATE, catchup=False, default_args={**DEFAULT_ARGS, "retries": 1},
     tags=[Tag.OPERATIONS], doc_md=__doc__)
def deploy_smoke_retry():
    @task
    def flaky(ti=None) -> int:
        # Fails its first try on purpose: the test checks that a waiting client stops at once with this
        # message, and that the retry comes after the short test retry delay (TALENTA_RETRY_DELAY_S).
        if ti.try_number == 1:
            raise RuntimeError("deploy smoke: planned failure on try 1")
        return ti.try_number

    flaky()


deploy_smoke()
deploy_smoke_follow()
deploy_smoke_retry()
