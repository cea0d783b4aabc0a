"""Which dates an asset-triggered or manual merge covers, and that its gold label never uses the clock."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq

from talenta.warehouse.dates import event_dates, lake_run_dates, plan_merge
from talenta.warehouse.merge import merge
from tests.warehouse.conftest import D1, D2, D3


def _event(extra=None, run_date=None):
    run = SimpleNamespace(logical_date=run_date) if run_date is not None else None
    return SimpleNamespace(extra=extra or {}, source_dag_run=run)


def test_event_dates_from_extra_or_source_run_in_jakarta_time():
    # 2026-01-02 18:00 UTC is already 2026-01-03 in Jakarta, the day the sync computed for its partitions.
    late = dt.datetime(2026, 1, 2, 18, 0, tzinfo=ZoneInfo("UTC"))
    events = {"talenta_silver": [_event({"logical_date": D1}), _event(run_date=late),
                                 _event({"logical_dates": [D2, D1]}), _event({"logical_date": "not a date"})]}
    assert event_dates(events) == [D1, D2, D3]
    assert event_dates(None) == [] and event_dates([]) == []


def test_plan_uses_newest_lake_date_and_reports_missing(lake_root):
    assert lake_run_dates(lake_root) == [D1, D2, D3]
    plan = plan_merge([_event({"logical_date": D2}), _event({"logical_date": "2026-02-01"})], root=lake_root)
    assert plan.as_of == D3 and plan.triggered == [D2, "2026-02-01"] and plan.missing == ["2026-02-01"]
    assert plan_merge(None, root=lake_root, requested=[D1]).missing == []
    assert plan_merge(None, root=lake_root.parent / "empty").as_of is None


def test_merge_without_date_labels_gold_with_newest_run_date_and_reruns_identically(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root)
    gold = lake_root / "gold" / "entity=employee_current" / "source_id=national"
    assert [p.name for p in gold.iterdir() if not p.name.startswith(".")] == [f"logical_date={D3}"]
    first = pq.read_table(gold / f"logical_date={D3}" / "part-0.parquet")
    merge(duck_url, lake_root=lake_root)
    assert [p.name for p in gold.iterdir() if not p.name.startswith(".")] == [f"logical_date={D3}"]
    again = pq.read_table(gold / f"logical_date={D3}" / "part-0.parquet")
    assert again.num_rows == 4 and again.sort_by("nip").equals(first.sort_by("nip"))


def test_dag_is_asset_triggered_and_parses():
    from pathlib import Path

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(Path(__file__).resolve().parents[2] / "dags" / "warehouse_merge.py"))
    assert bag.import_errors == {}
    dag = bag.dags["warehouse_merge"]
    assert "talenta_silver" in str(dag.timetable.asset_condition)
    assert "logical_dates" in dag.params


def test_dag_run_through_airflow_labels_state_with_lake_date_not_run_date(tmp_path):
    """The real DAG in ``dag.test()``: a manual run dated 2026-02-01 publishes the lake's state as of D3."""
    import json
    import os
    import subprocess
    import sys

    from tests.warehouse.conftest import build_scenario

    data = tmp_path / "data"
    build_scenario(data / "lake")
    env = {**os.environ, "TALENTA_DATA_DIR": str(data), "AIRFLOW_HOME": str(tmp_path / "airflow_home")}
    env.pop("TALENTA_LAKE_DIR", None)
    env.pop("TALENTA_WAREHOUSE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "talenta.dagrun", "warehouse_merge", "--date", "2026-02-01"],
                          env=env, capture_output=True, text=True, timeout=300)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["state"] == "success", proc.stdout[-3000:] + proc.stderr[-3000:]
    gold = data / "lake" / "gold" / "entity=employee_current" / "source_id=national"
    assert sorted(p.name for p in gold.iterdir() if not p.name.startswith(".")) == [f"logical_date={D3}"]
