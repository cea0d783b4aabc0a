"""Gold Parquet: the published warehouse tables in the lake, hive-partitioned, readable by any engine.

Layout (the lake contract): ``gold/entity=<table>/source_id=national/logical_date=<date>/part-0.parquet``,
written with ``write_partition`` so a re-run of the same date replaces its partition atomically.
"""

from __future__ import annotations

from pathlib import Path

from talenta.lake.layout import partition_dir, write_partition
from talenta.warehouse.audit import PUBLISHED_TABLES
from talenta.warehouse.db import Warehouse

GOLD_SOURCE = "national"


def write_gold(wh: Warehouse, logical_date: str, *, root: Path | None = None) -> list[Path]:
    """Export every published table of ``wh`` (its target schema) to the gold zone; return the folders."""
    out = []
    for table in PUBLISHED_TABLES:
        data = wh.query_arrow(f"select * from {wh.target_schema}.{table}")
        out.append(write_partition(partition_dir("gold", table, GOLD_SOURCE, logical_date, root=root), data))
    return out
