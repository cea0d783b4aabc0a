"""Run one DAG through Airflow in this process with ``dag.test()``: the embedded way to run the chain.

Used by ``make demo``, the end-to-end tests and the embedded benchmark. Retries are switched off here so a
failure is reported at once instead of after the production retry delays; the scheduler path (``make
airflow``, the Celery topology) keeps them.

    python -m talenta.dagrun regional_sync --conf '{"sources": ["d3578"]}' --date 2026-12-01
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from talenta import runtime, settings


@dataclass
class DagRunResult:
    """Outcome of one test run: state, wall time and the state of every task instance."""

    dag_id: str
    state: str
    seconds: float
    tasks: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the run succeeded."""
        return self.state == "success"


def run_dag(dag_id: str, *, logical_date: dt.datetime | None = None, conf: dict[str, Any] | None = None,
            retries: int = 0) -> DagRunResult:
    """Parse ``dags/``, run ``dag_id`` once with ``dag.test()`` and return what happened."""
    env = runtime.apply_airflow_env()
    runtime.ensure_airflow_db(env)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(settings.home() / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(dag_id)
    if dag is None:
        raise KeyError(f"no DAG {dag_id!r} in {settings.home() / 'dags'}; known: {sorted(bag.dag_ids)}")
    for task in dag.tasks:
        task.retries = retries
    logical_date = logical_date or dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = time.perf_counter()
    dag_run = dag.test(logical_date=logical_date, run_conf=conf or {})
    seconds = time.perf_counter() - start
    tasks: dict[str, str] = {}
    for ti in dag_run.get_task_instances():
        name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        tasks[name] = str(ti.state)
    state = str(dag_run.state)
    if not tasks:
        # Airflow creates no task instances for a date before the tasks' start_date: that is not a success.
        state = "no_tasks"
    return DagRunResult(dag_id, state, seconds, tasks)


def main(argv: list[str] | None = None) -> int:
    """CLI: run one DAG and print a JSON summary; exit 1 when the run failed."""
    parser = argparse.ArgumentParser(description="run one Talenta DAG with dag.test()")
    parser.add_argument("dag_id")
    parser.add_argument("--conf", default="{}", help="DAG run conf as JSON")
    parser.add_argument("--date", help="logical date (YYYY-MM-DD), default now")
    args = parser.parse_args(argv)
    logical = dt.datetime.fromisoformat(args.date).replace(tzinfo=dt.UTC) if args.date else None
    result = run_dag(args.dag_id, logical_date=logical, conf=json.loads(args.conf))
    print(json.dumps({"dag_id": result.dag_id, "state": result.state, "seconds": round(result.seconds, 1),
                      "tasks": result.tasks}))
    return 0 if result.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
