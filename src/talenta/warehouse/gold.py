"""Gold Parquet: the published warehouse tables in the lake, hive-partitioned, readable by any engine.

Layout (the lake contract): ``gold/entity=<table>/source_id=national/logical_date=<date>/part-0.parquet``,
replaced atomically (``replace_partition``), so a re-run of the same date replaces its partition.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from talenta.lake.layout import partition_dir, replace_partition
from talenta.warehouse.audit import PUBLISHED_TABLES
from talenta.warehouse.db import Warehouse

GOLD_SOURCE = "national"


def write_gold(wh: Warehouse, logical_date: str, *, root: Path | None = None,
               schema: str | None = None) -> list[Path]:
    """Export every published table of ``wh`` (``schema``, default its target schema) to the gold zone;
    return the folders.

    On DuckDB each table is written by DuckDB itself (``COPY ... TO``, multi-threaded, no Arrow round trip
    through Python). The PostgreSQL merge passes its in-memory DuckDB build here (the tables it has just
    published, row for row), so gold never reads the national tables back out of PostgreSQL. A warehouse
    built inside PostgreSQL is streamed through a server-side cursor into one Parquet file, one batch in
    memory at a time (a national table fetched whole would take several GB; issue #8). Either way each
    partition is replaced atomically.
    """
    schema = schema or wh.target_schema
    out = []
    for table in PUBLISHED_TABLES:
        target = partition_dir("gold", table, GOLD_SOURCE, logical_date, root=root)
        if wh.is_postgres:
            out.append(replace_partition(target, lambda tmp, table=table: _write_streamed(wh, schema, table, tmp)))
            continue

        def copy(tmp: Path, table: str = table) -> None:
            path = str(tmp / "part-0.parquet").replace("'", "''")
            wh.execute(f"copy (select * from {schema}.{table}) to '{path}' "
                       "(format parquet, compression zstd)")

        out.append(replace_partition(target, copy))
    return out


def _write_streamed(wh: Warehouse, schema: str, table: str, tmp: Path) -> None:
    """Write ``schema.table`` of ``wh`` into ``tmp/part-0.parquet`` batch by batch."""
    writer = None
    try:
        for batch in wh.stream_arrow(f"select * from {schema}.{table}"):
            if writer is None:
                writer = pq.ParquetWriter(tmp / "part-0.parquet", batch.schema, compression="zstd")
            writer.write_table(batch)
    finally:
        if writer is not None:
            writer.close()
