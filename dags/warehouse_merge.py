"""
### warehouse_merge

The single writer of the national warehouse. Runs whenever regional_sync publishes silver partitions
(asset `talenta_silver`) and on manual trigger: reads the lake, builds the new state in a staging schema,
audits it (keys, one current row per NIP, no overlapping validity, counts reconcile with `source_sync`)
and publishes it in one transaction, then writes gold Parquet. A failed audit publishes nothing.
Emits asset `talenta_warehouse` for talent_scoring.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from talenta.dagkit import DEFAULT_ARGS, START_DATE, Tag, silver_asset, warehouse_asset


@dag(
    dag_id="warehouse_merge",
    schedule=[silver_asset()],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # DuckDB allows one writer; the merge is the only one.
    default_args=DEFAULT_ARGS,
    tags=[Tag.WAREHOUSE],
    doc_md=__doc__,
)
def warehouse_merge():
    @task(outlets=[warehouse_asset()])
    def merge_and_publish(ds: str | None = None) -> dict:
        """Build, audit and publish the warehouse; return counts and skipped partitions (no data)."""
        from talenta.warehouse.merge import merge

        return merge(logical_date=ds).as_dict()

    merge_and_publish()


warehouse_merge()
