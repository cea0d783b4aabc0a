"""What every Talenta DAG shares: owner and retry policy, the tag vocabulary, the timezone, the assets.

DAG files import this module at parse time, so it stays light: no pandas, GX, DuckDB or SQLAlchemy here.
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum

import pendulum

JAKARTA = pendulum.timezone("Asia/Jakarta")
# Early enough for any snapshot we backfill or replay (a task never runs for a date before its start).
START_DATE = pendulum.datetime(2024, 1, 1, tz=JAKARTA)

DEFAULT_ARGS: dict = {
    "owner": "talenta-data-engineering",
    "retries": 2,
    # TALENTA_RETRY_DELAY_S shortens the delay in test deployments (talenta.deploy.topology.QUICK_ENV).
    "retry_delay": dt.timedelta(seconds=float(os.environ.get("TALENTA_RETRY_DELAY_S") or 300)),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=30),
}

# Data-aware chaining: regional_sync updates the silver asset, warehouse_merge the warehouse asset.
SILVER_URI = "talenta://lake/silver"
WAREHOUSE_URI = "talenta://warehouse/published"


class Tag(StrEnum):
    """The one tag vocabulary of Talenta DAGs (tested for every DAG)."""

    SYNC = "sync"
    VALIDATION = "validation"
    WAREHOUSE = "warehouse"
    SCORING = "scoring"
    MOBILITY = "mobility"
    REPORTS = "reports"
    NIGHTLY = "nightly"
    OPERATIONS = "operations"


def silver_asset():
    """The asset regional_sync emits when silver partitions were published."""
    from airflow.sdk import Asset

    return Asset(name="talenta_silver", uri=SILVER_URI)


def warehouse_asset():
    """The asset warehouse_merge emits when a new warehouse state was published."""
    from airflow.sdk import Asset

    return Asset(name="talenta_warehouse", uri=WAREHOUSE_URI)
