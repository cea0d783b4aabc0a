"""regional_sync through Airflow (dag.test on the session's SQLite metadata DB, migrated by run_dag), small nation."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from talenta.domain.schemas import KEYS, SCHEMAS
from talenta.sources.state import SyncState
from talenta.sources.sync import world_info


@pytest.mark.e2e
def test_regional_sync_dag_on_a_small_nation(world, api, set_faults, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTA_REST_BACKOFF_S", "0.01")
    # run_dag migrates the session's metadata DB itself (the airflow_db fixture would migrate it twice).
    from talenta.dagrun import run_dag

    set_faults("p008", always_fail=True)  # one source whose API never answers
    info = world_info(world)
    day, lake = info["snapshot_date"], tmp_path / "lake"
    # The world's snapshot predates the DAG's start_date: run now, sync the snapshot's date (param).
    result = run_dag("regional_sync", logical_date=dt.datetime.now(dt.UTC).replace(microsecond=0),
                     conf={"world": str(world), "lake": str(lake), "date": day})
    # The failing source fails the run, but only in the final check: every shard and the report ran.
    assert result.state == "failed", result.tasks
    assert result.tasks["check"] == "failed" and result.tasks["report"] == "success", result.tasks
    assert all(state == "success" for name, state in result.tasks.items() if name.startswith("sync_")), result.tasks
    state = SyncState(lake)
    failed = state.read_run_record(day, "p008")
    assert failed["status"] == "failed" and "p008" in failed["error"]
    for sid in info["sources"]:
        if sid == "p008":
            continue
        record = state.read_run_record(day, sid)
        assert record["status"] in ("success", "held"), (sid, record["error"])
        for entity in SCHEMAS:
            ent = record["entities"][entity]
            assert ent["rows_extracted"] == ent["rows_accepted"] + ent["rows_quarantined"]
            truth = pq.read_table(world / "truth" / f"{entity}.parquet").to_pandas()
            truth = truth[truth.source_id == sid]
            assert ent["rows_extracted"] == len(truth), (sid, entity)
            if ent["rows_quarantined"] or not len(truth):
                continue
            path = (lake / "silver" / f"entity={entity}" / f"source_id={sid}" / f"logical_date={day}"
                    / "part-0.parquet")
            got = pq.read_table(path, columns=list(SCHEMAS[entity].names)).to_pandas()
            keys = list(KEYS[entity])
            want = truth.drop(columns=["source_id"]).sort_values(keys).reset_index(drop=True).astype(str)
            assert got.sort_values(keys).reset_index(drop=True).astype(str).equals(want), (sid, entity)
