"""The talent_scoring DAG parses, is data-aware on the warehouse asset and has a nightly Jakarta fallback."""

from __future__ import annotations

from pathlib import Path

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "talent_scoring.py"


def test_dag_imports_and_schedules_on_the_warehouse_asset():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["talent_scoring"]
    text = repr(dag.timetable)
    assert "talenta://warehouse/published" in text and "Asia/Jakarta" in text
    assert {"scoring", "mobility"} <= set(dag.tags)
    assert dag.default_args["retries"] >= 2
    assert [t.task_id for t in dag.tasks] == ["score"]


def test_score_task_holds_the_single_warehouse_writer_slot():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAG_FILE)).dags["talent_scoring"]
    assert dag.get_task("score").pool == "talenta_warehouse"
    assert "talenta_warehouse" in dag.doc_md
