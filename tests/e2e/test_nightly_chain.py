"""The whole nightly chain through Airflow on a small synthetic nation: sync → merge → scoring.

Real parts throughout: the synthetic REST server on loopback, SQLite and file-drop sources, the embedded
Airflow (``dag.test()`` in a subprocess per DAG, as the scheduler would run them) and the DuckDB warehouse.
"""

from __future__ import annotations

import json

import pytest

from talenta import demo
from talenta.synth import server
from talenta.synth.testing import small_world

pytestmark = pytest.mark.e2e

# One source of every dialect (so every kind) plus a central agency.
SOURCES = ["d3578", "p001", "p002", "p005", "p006", "p008", "p016", "p030"]


@pytest.fixture(scope="module")
def chain(tmp_path_factory, airflow_db):
    tmp = tmp_path_factory.mktemp("chain")
    world_dir = small_world(tmp, sources=SOURCES, seed=11, scale=0.001)
    api, _ = server.start_background(world_dir)
    try:
        env = demo.demo_env(world_dir)
        env["TALENTA_DATA_DIR"] = str(tmp / "data")
        doc = json.loads((world_dir / "world.json").read_text())
        results = demo.run_chain(env, {"sources": SOURCES}, doc["snapshot_date"])
    finally:
        api.shutdown()
    return {"results": results, "data": tmp / "data", "world": world_dir}


def _warehouse(chain):
    from talenta.warehouse.db import Warehouse

    return Warehouse(f"duckdb:///{chain['data'] / 'warehouse.duckdb'}", read_only=True)


def test_every_dag_succeeds(chain):
    states = {r["dag_id"]: r["state"] for r in chain["results"]}
    assert states == {"regional_sync": "success", "warehouse_merge": "success", "talent_scoring": "success"}, (
        chain["results"])


def test_every_row_is_accounted_for(chain):
    with _warehouse(chain) as wh:
        sync = wh.query_df("select * from source_sync")
    assert set(sync["source_id"]) == set(SOURCES)
    assert (sync["rows_extracted"] == sync["rows_accepted"] + sync["rows_quarantined"]).all()
    assert sync["rows_extracted"].sum() > 0


def test_warehouse_and_scores_are_populated(chain):
    import pyarrow.parquet as pq

    truth = pq.read_table(chain["world"] / "truth" / "employee.parquet").to_pandas()
    with _warehouse(chain) as wh:
        current = wh.query_df("select nip, source_id from employee_current")
        scores = wh.query_df("select nip, outcome, box from talent_score")
    assert current["nip"].is_unique
    # Every current employee is a real person of the generator (no invented NIPs).
    assert set(current["nip"]) <= set(truth["nip"])
    assert len(current) > 0.5 * truth["nip"].nunique()
    assert set(scores["nip"]) <= set(current["nip"])
    scored = scores[scores["outcome"] == "scored"]
    assert len(scored) > 0 and scored["box"].between(1, 9).all()
