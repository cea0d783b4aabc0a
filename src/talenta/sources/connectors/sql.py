"""SQL connector: a source's own SIMPEG database (SQLite, MariaDB/MySQL via pymysql, PostgreSQL).

Vendor tables and columns come from the dialect. Rows are streamed in chunks (server-side cursors where
the driver has them) in key order, so ``source_row_ref`` = ``<table>.<key>=<value>`` is stable. Entities
with an ``updated_column`` are read incrementally: only rows changed after the previous watermark. When
the vendor stores that column as ISO-sortable text or a native type the filter runs in the database;
otherwise (e.g. ``dd-mm-YYYY`` text) it runs after reading, on the parsed value.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pyarrow as pa

from talenta.sources.connectors.base import Extract, manifest, parse_timestamps, string_table
from talenta.sources.dialects import Dialect
from talenta.sources.errors import SchemaDriftError, SourceError

CHUNK_ROWS = 20_000


class SqlConnector:
    """Reads vendor tables from one source database given by a SQLAlchemy URL."""

    def __init__(self, source_id: str, dialect: Dialect, url: str, *, chunk_rows: int = CHUNK_ROWS) -> None:
        from sqlalchemy import create_engine

        self.source_id = source_id
        self.dialect = dialect
        self.chunk_rows = chunk_rows
        self.engine = create_engine(url, pool_pre_ping=True)
        self._quote = self.engine.dialect.identifier_preparer.quote

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> SqlConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _server_side_filter(self) -> bool:
        return self.dialect.date_format.startswith("%Y")

    def extract(self, entity: str, *, since: str | None = None) -> Extract:
        """All rows of the entity's table (or those changed after ``since``, an ISO timestamp)."""
        from sqlalchemy import exc as sa_exc
        from sqlalchemy import text

        started = time.perf_counter()
        mapping = self.dialect.entities[entity]
        table, key, upd = mapping.table, mapping.key, mapping.updated_column
        where = f"table {table}"
        sql = f"SELECT * FROM {self._quote(table)}"
        params: dict[str, Any] = {}
        incremental = bool(upd and since)
        if incremental and self._server_side_filter():
            sql += f" WHERE {self._quote(upd)} > :since"
            params["since"] = since.replace("T", " ")
        if key:
            sql += f" ORDER BY {self._quote(key)}"
        columns: list[str] = []
        rows: list[tuple] = []
        try:
            with self.engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=self.chunk_rows).execute(
                    text(sql), params)
                columns = list(result.keys())
                for chunk in result.partitions(self.chunk_rows):
                    rows.extend(tuple(r) for r in chunk)
        except sa_exc.OperationalError as exc:
            raise SourceError(f"cannot read: {exc.orig}", source_id=self.source_id, where=where,
                              hint="check that the database is reachable and the table exists "
                                   f"(dialect {self.dialect.name})") from None
        except sa_exc.ProgrammingError as exc:
            raise SchemaDriftError(f"query failed: {exc.orig}", source_id=self.source_id, where=where,
                                   hint=f"compare the table with dialect {self.dialect.name}") from None
        if key and key not in columns:
            raise SchemaDriftError(f"key column {key!r} is missing", source_id=self.source_id, where=where,
                                   hint=f"dialect {self.dialect.name} expects it; fix the dialect or the table")
        ki = columns.index(key) if key else None
        refs = [f"{table}.{key}={r[ki]}" for r in rows] if key else [f"{table}:{i}" for i in range(1, len(rows) + 1)]
        out = string_table(columns, rows, refs)
        watermark = since
        if upd and upd in columns:
            stamps = parse_timestamps(pd.Series(out.column(upd).to_pylist(), dtype="string"),
                                      self.dialect.date_format)
            if incremental and not self._server_side_filter():
                keep = (stamps > pd.Timestamp(since)).fillna(False).to_numpy()
                out = out.filter(pa.array(keep))
                stamps = stamps[keep]
            if stamps.notna().any():
                newest = stamps.max().isoformat()
                watermark = max(newest, since) if since else newest
        meta = manifest(out, started=started, finished=time.perf_counter(), origin=where, watermark=watermark,
                        mode="incremental" if incremental else "full", since=since)
        return Extract(self.source_id, entity, out, meta)
