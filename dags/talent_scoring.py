"""
### talent_scoring

Nightly talent scoring (issue #7): places every active civil servant in the PermenPANRB 3/2020 9-box
(or `insufficient_data`), builds the succession pools, proposes cross-region mobility (ranked
shortlists plus one globally optimal primary proposal per vacancy) and audits fairness.

Runs when warehouse_merge publishes a new state (asset `talenta_warehouse`) and every night at
03:30 Asia/Jakarta as a fallback, plus manual runs (params `rule_version`, `scored_on`).
Outputs: `talent_score`, `mobility_candidate`, `mobility_recommendation`, `fairness_audit`,
`agency_readiness`, `scoring_run` in the warehouse; the fairness report (Markdown) and the talent report
(static HTML: 9-box per region and agency, pools, mobility flows between provinces, fairness, readiness)
in the reports folder (`reports/scoring/`, `reports/talent/`).

DuckDB allows one writing process: the `score` task runs in the Airflow pool `talenta_warehouse`
(1 slot, shared with warehouse_merge), so scoring never reads or writes the warehouse file while a merge
publishes, and vice versa.
"""

from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from talenta.dagkit import DEFAULT_ARGS, JAKARTA, START_DATE, Tag, warehouse_asset


@dag(
    dag_id="talent_scoring",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("30 3 * * *", timezone=JAKARTA), assets=[warehouse_asset()]
    ),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # scoring writes to the warehouse; DuckDB has one writer at a time
    default_args=DEFAULT_ARGS,
    tags=[Tag.SCORING, Tag.MOBILITY, Tag.NIGHTLY],
    params={
        "rule_version": Param(None, type=["null", "string"], description="scoring rule version (default: latest)"),
        "scored_on": Param(None, type=["null", "string"], description="scoring date YYYY-MM-DD (default: run date)"),
    },
    doc_md=__doc__,
)
def talent_scoring():
    @task(pool="talenta_warehouse")
    def score(params: dict | None = None, ds: str | None = None, run_id: str | None = None,
              dag_run=None) -> dict:
        """Run the nightly scoring for this DAG run; return the run summary (counts, totals, no data)."""
        import re

        from talenta.scoring.pipeline import run

        params = params or {}
        # Asset-triggered runs (the nightly chain) have no logical date, so no ``ds``: they score as of
        # the Jakarta day the run was queued for (``run_after``), which a re-run of that run keeps.
        run_after = getattr(dag_run, "run_after", None)
        scored_on = params.get("scored_on") or ds or (
            run_after.astimezone(JAKARTA).date().isoformat() if run_after else None)
        safe_run_id = re.sub(r"[^A-Za-z0-9_.:+\-]", "_", run_id or f"score_{scored_on}")[:128]
        summary = run(safe_run_id, scored_on, rule_version=params.get("rule_version"))
        return {k: v for k, v in summary.items() if k != "inputs"}

    score()


talent_scoring()
