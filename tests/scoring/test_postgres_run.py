"""The scoring run against a real PostgreSQL warehouse (production), compared with the DuckDB run.

PostgreSQL at 127.0.0.1:5432 (user postgres, trust); each test works in its own database, dropped after.
Under CI a missing PostgreSQL fails the test; elsewhere it skips.
"""

from __future__ import annotations

import os
import uuid

import pyarrow as pa
import pytest

from talenta.scoring import pipeline
from talenta.warehouse.db import Warehouse
from tests.conftest import require_service
from tests.scoring.conftest import SCORED_ON, synthetic_inputs

PG_ADMIN = os.environ.get("TALENTA_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
OUTPUTS = ("talent_score", "mobility_candidate", "mobility_recommendation", "fairness_audit", "agency_readiness",
           "scoring_run", "dim_talent_box")


def _admin(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN, connect_timeout=3)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _load(url: str) -> None:
    with Warehouse(url) as wh:
        for name, frame in synthetic_inputs(300, 20, seed=5).items():
            wh.replace_table(name, pa.Table.from_pandas(frame, preserve_index=False))


@pytest.fixture
def pg_url():
    db = f"talenta_score_{uuid.uuid4().hex[:8]}"
    try:
        _admin(f'create database "{db}"')
    except Exception as exc:
        require_service("PostgreSQL", f"{PG_ADMIN}: {exc}")
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{db}"
    _load(url)
    yield url
    _admin(f'drop database if exists "{db}" with (force)')


def _talent(url: str):
    with Warehouse(url) as wh:
        frame = wh.query_df("select nip, kinerja_score, potensial_score, box, outcome, in_succession_pool "
                            "from talent_score order by nip")
    return frame.astype({"box": "float64"}).reset_index(drop=True)


def _counts(url: str) -> dict[str, int]:
    with Warehouse(url) as wh:
        return {t: int(wh.scalar(f"select count(*) from {t}")) for t in OUTPUTS}


def test_postgres_run_matches_duckdb_and_rerun_replaces(pg_url, tmp_path):
    summary = pipeline.run("score_pg", SCORED_ON, url=pg_url, report_dir=str(tmp_path / "rep"))
    first = _counts(pg_url)
    assert first["talent_score"] == summary["employees"] == 300 and first["scoring_run"] == 1
    pipeline.run("score_pg", SCORED_ON, url=pg_url, report_dir=str(tmp_path / "rep"))
    assert _counts(pg_url) == first, "a re-run of the same run_id must replace its rows, not add to them"

    duck = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    _load(duck)
    pipeline.run("score_pg", SCORED_ON, url=duck, report_dir=str(tmp_path / "rep_duck"))
    assert _counts(duck) == first
    pg, dk = _talent(pg_url), _talent(duck)
    assert pg["nip"].tolist() == dk["nip"].tolist()
    assert pg.drop(columns="nip").equals(dk.drop(columns="nip"))


@pytest.mark.parametrize("scored_on", [None, "", "not-a-date"])
def test_missing_scored_on_is_rejected_before_reading(scored_on, tmp_path):
    # An unreachable warehouse URL proves the date is checked first (no connection is attempted).
    with pytest.raises(ValueError, match="scored_on"):
        pipeline.run("r1", scored_on, url="postgresql://nobody@127.0.0.1:1/none", report_dir=str(tmp_path))
