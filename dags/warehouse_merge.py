"""
### warehouse_merge

The single writer of the national warehouse. Runs whenever regional_sync publishes silver partitions
(asset `talenta_silver`) and on manual trigger: reads the lake, builds the new state beside the published
one (DuckDB: a fresh build schema, facts incrementally when no merged partition changed; PostgreSQL: built
in memory by DuckDB and COPYed into a staging schema), audits it (keys, one current row per NIP, no overlapping validity, counts reconcile with `source_sync`)
and publishes it in one transaction (on PostgreSQL with its roles and row-level security), then writes
gold Parquet. A failed audit publishes nothing. Emits asset `talenta_warehouse` for talent_scoring.
Then **reports** builds every region's data-quality page and fix files and the GX Data Docs of the run.

Dates: an asset-triggered run takes the logical dates of the triggering sync runs from the asset events;
the published state is labelled with the newest logical date that has run records in the lake (never the
wall clock), so re-running the merge over the same lake gives the same warehouse and gold partition.
Manual runs may name `logical_dates` to check they are in the lake.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from talenta.dagkit import DEFAULT_ARGS, START_DATE, Tag, silver_asset, warehouse_asset


@dag(
    dag_id="warehouse_merge",
    schedule=[silver_asset()],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # DuckDB allows one writer; the merge is the only one.
    default_args=DEFAULT_ARGS,
    tags=[Tag.WAREHOUSE],
    params={
        "logical_dates": Param([], type="array",
                               description="sync logical dates (YYYY-MM-DD) this run must cover; empty = from "
                                           "the triggering asset events, else the newest in the lake"),
    },
    doc_md=__doc__,
)
def warehouse_merge():
    # One-slot pool shared with talent_scoring's writer: DuckDB allows a single writing process.
    @task(outlets=[warehouse_asset()], pool="talenta_warehouse")
    def merge_and_publish(params: dict | None = None, triggering_asset_events=None) -> dict:
        """Build, audit and publish the warehouse; return dates, counts and skipped partitions (no data)."""
        from airflow.sdk.exceptions import AirflowFailException

        from talenta.warehouse.dates import plan_merge
        from talenta.warehouse.merge import merge

        plan = plan_merge(triggering_asset_events, requested=(params or {}).get("logical_dates") or [])
        if plan.as_of is None:
            raise AirflowFailException("the lake has no run records yet: run regional_sync first, then this merge")
        return {**merge(logical_date=plan.as_of).as_dict(), "dates": plan.as_dict()}

    @task
    def reports(merged: dict) -> dict:
        """Regional data-quality pages, fix files and GX Data Docs for the published date (read-only)."""
        from talenta.reports.build import build_reports
        from talenta.validate import build_data_docs, gx_results_dir

        day = merged["dates"]["as_of"]
        index = build_reports(day)
        results = gx_results_dir(day)
        docs = build_data_docs(results, None, logical_date=day) if results.exists() else None
        return {"logical_date": day, "reports": str(index), "data_docs": str(docs) if docs else None}

    reports(merge_and_publish())


warehouse_merge()
