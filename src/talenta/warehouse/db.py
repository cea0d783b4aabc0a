"""SQL access to the warehouse: one small API over DuckDB (embedded default) and PostgreSQL (production).

Arrow in, Arrow out. Bulk loads never go row by row: DuckDB scans a registered Arrow table directly,
PostgreSQL receives CSV through ``COPY ... FROM STDIN``, or, for the merge's streamed loads
(:meth:`Warehouse.load_stream`), binary COPY straight from Arrow through ADBC when
``adbc-driver-postgresql`` is installed. Query parameters are positional and written ``?`` in the SQL on
both engines (translated to ``%s`` for psycopg2).

Every DuckDB connection is bounded: ``memory_limit`` from ``TALENTA_DUCKDB_MEMORY_LIMIT`` (default 3GB);
beyond it DuckDB spills to disk (a warehouse file next to itself, an in-memory database into a private
folder under ``TALENTA_DUCKDB_TEMP_DIR``, removed when the connection closes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import io
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from talenta.settings import duckdb_memory_limit, duckdb_temp_dir, warehouse_url

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

# PostgreSQL type OIDs we map explicitly; anything else is inferred by pyarrow from the Python values.
_PG_OID_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    700: pa.float32(),
    701: pa.float64(),
    1700: pa.float64(),
    25: pa.string(),
    1043: pa.string(),
    1042: pa.string(),
    19: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1009: pa.list_(pa.string()),
    1015: pa.list_(pa.string()),
    114: pa.string(),
    3802: pa.string(),
}


# Rows per COPY statement into PostgreSQL (about 100 MB of CSV for the widest published table).
COPY_CHUNK_ROWS = 250_000
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*([KMGT]i?B|B)$", re.IGNORECASE)


class WarehouseError(RuntimeError):
    """A warehouse operation failed; the message names the object and what to do."""


def check_identifier(name: str) -> str:
    """Return ``name`` if it is a plain (optionally schema-qualified) SQL identifier, else raise."""
    if not _IDENT.match(name):
        raise WarehouseError(
            f"refusing SQL identifier {name!r}: use letters, digits and underscores (optionally schema.table)"
        )
    return name


def pg_type(arrow_type: pa.DataType) -> str:
    """PostgreSQL column type for an Arrow type (the same names DuckDB accepts)."""
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int8(arrow_type) or pa.types.is_int16(arrow_type):
        return "smallint"
    if pa.types.is_int32(arrow_type):
        return "integer"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "double precision"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return pg_type(arrow_type.value_type) + "[]"
    return "text"


def _parse_url(url: str) -> tuple[str, str]:
    """(engine, target): ('duckdb', path or ':memory:') or ('postgresql', libpq URI)."""
    if url.startswith(("postgresql", "postgres:")):
        _scheme, rest = url.split("://", 1)
        return "postgresql", "postgresql://" + rest
    if url.startswith("duckdb:///"):
        return "duckdb", url[len("duckdb:///"):] or ":memory:"
    if url.startswith("duckdb://"):
        return "duckdb", ":memory:"
    if "://" in url:
        raise WarehouseError(
            f"unsupported warehouse URL scheme in {url.split('://', 1)[0]!r}: "
            "set TALENTA_WAREHOUSE_URL to duckdb:///<file> or postgresql://user@host/db"
        )
    return "duckdb", url


def _pg_array_literal(values: list[Any] | None) -> str | None:
    if values is None:
        return None
    parts = []
    for v in values:
        if v is None:
            parts.append("NULL")
        else:
            text = str(v).replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{text}"')
    return "{" + ",".join(parts) + "}"


def _csv_ready(table: pa.Table) -> pa.Table:
    """Turn list columns into PostgreSQL array literals so the table can go through COPY CSV."""
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            cols.append(pa.array([_pg_array_literal(v) for v in col.to_pylist()], pa.string()))
        elif pa.types.is_decimal(field.type):
            cols.append(pc.cast(col, pa.float64()))
        else:
            cols.append(col)
    return pa.table(cols, names=table.column_names)


def _copy_ready(schema: pa.Schema) -> pa.Schema:
    """The Arrow schema a PostgreSQL bulk load sends: the types :func:`pg_type` declares, byte for byte."""
    fields = []
    for f in schema:
        if pa.types.is_decimal(f.type):
            f = f.with_type(pa.float64())
        elif pa.types.is_int8(f.type):
            f = f.with_type(pa.int16())
        fields.append(f)
    return pa.schema(fields)


def pg_loader() -> Any:
    """The ADBC PostgreSQL DB-API module used for binary COPY (bulk loads, and streamed reads), or ``None``
    for CSV COPY and psycopg2 reads.

    ``TALENTA_PG_LOADER``: ``auto`` (default: ADBC when ``adbc-driver-postgresql`` is installed, as the lock
    file installs it), ``adbc`` (required: an error when missing), ``csv``.
    """
    mode = os.environ.get("TALENTA_PG_LOADER", "auto").strip().lower()
    if mode not in ("auto", "adbc", "csv"):
        raise WarehouseError(f"TALENTA_PG_LOADER={mode!r}: use auto, adbc or csv")
    if mode == "csv":
        return None
    try:
        import adbc_driver_postgresql.dbapi as adbc
    except ImportError as exc:
        if mode == "adbc":
            raise WarehouseError(
                "TALENTA_PG_LOADER=adbc but adbc-driver-postgresql is not installed; install it or use csv"
            ) from exc
        return None
    return adbc


def _as_psycopg2_types(table: pa.Table) -> pa.Table:
    """ADBC's Arrow with the types of ``_PG_OID_TYPES`` and no driver metadata: the one type difference is
    NUMERIC, which ADBC gives as an opaque extension over its text, and ``query_arrow`` as float64."""
    cols, fields = [], []
    for field, col in zip(table.schema, table.columns, strict=True):
        if isinstance(field.type, pa.BaseExtensionType):
            col = pa.chunked_array([c.storage for c in col.chunks], type=field.type.storage_type)
            if getattr(field.type, "type_name", None) == "numeric":
                col = col.cast(pa.float64())
        cols.append(col)
        fields.append(pa.field(field.name, col.type))
    return pa.table(cols, schema=pa.schema(fields))


def _pg_rows_to_arrow(description: Any, rows: list[tuple]) -> pa.Table:
    """psycopg2 rows → Arrow, typed by the column OIDs (see ``_PG_OID_TYPES``)."""
    names = [d.name for d in description]
    arrays = []
    for i, d in enumerate(description):
        values = [r[i] for r in rows]
        typ = _PG_OID_TYPES.get(d.type_code)
        if typ is not None and pa.types.is_timestamp(typ) and typ.tz:
            values = [v.astimezone(dt.UTC) if v is not None else None for v in values]
        if d.type_code == 1700:
            values = [float(v) if isinstance(v, decimal.Decimal) else v for v in values]
        arrays.append(pa.array(values, type=typ))
    return pa.table(arrays, names=names)


class Warehouse:
    """The SQL warehouse behind ``TALENTA_WAREHOUSE_URL`` (or ``url``): DuckDB file or PostgreSQL.

    ``schema`` (optional) makes unqualified names resolve in that schema (created if missing); tests use a
    schema per test, and the merge builds into a staging schema.
    """

    def __init__(self, url: str | None = None, *, schema: str | None = None, read_only: bool = False) -> None:
        self.url = url or warehouse_url()
        self.engine, target = _parse_url(self.url)
        self.schema = check_identifier(schema) if schema else None
        self._in_tx = False
        self._spill: Path | None = None
        if self.engine == "duckdb":
            import duckdb

            if target != ":memory:":
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            self._con = duckdb.connect(target, read_only=read_only)
            self._bound_duckdb(in_memory=target == ":memory:")
        else:
            import psycopg2

            self._con = psycopg2.connect(target)
            self._con.autocommit = True
        if self.schema:
            if not read_only:
                self.execute(f"create schema if not exists {self.schema}")
            self.use_schema(self.schema)

    @property
    def target_schema(self) -> str:
        """The schema analysts read: ``schema`` if given, else ``main`` (DuckDB) or ``public`` (PostgreSQL)."""
        return self.schema or ("main" if self.engine == "duckdb" else "public")

    def use_schema(self, schema: str) -> None:
        """Resolve unqualified names (and create new objects) in ``schema`` from now on."""
        check_identifier(schema)
        self.execute(f"use {schema}" if self.engine == "duckdb" else f"set search_path = {schema}, public")

    # -- lifecycle -----------------------------------------------------------------------------------------
    def _bound_duckdb(self, *, in_memory: bool) -> None:
        """Cap DuckDB's memory and give an in-memory database a private spill folder (issue #8).

        ``set`` rather than connect-time config: DuckDB refuses a second connection to the same file with a
        different config, and the limit is the same for every connection anyway. A file spills into
        ``<file>.tmp`` (DuckDB's default, next to the warehouse); an in-memory database into
        ``TALENTA_DUCKDB_TEMP_DIR/<host>-<pid>-<id>``, which DuckDB creates on the first spill.
        """
        limit = duckdb_memory_limit()
        if limit:
            if not _MEMORY.match(limit):
                self.close()
                raise WarehouseError(
                    f"TALENTA_DUCKDB_MEMORY_LIMIT={limit!r} is not a size: use e.g. 3GB, 2500MB or none")
            self._con.execute(f"set memory_limit = '{limit}'")
        if in_memory:
            root = duckdb_temp_dir()
            root.mkdir(parents=True, exist_ok=True)
            self._spill = root / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            self._con.execute("set temp_directory = '{}'".format(str(self._spill).replace("'", "''")))

    def close(self) -> None:
        """Close the connection (idempotent); an in-memory DuckDB's spill folder goes with it."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)
            self._spill = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def duck(self) -> Any:
        """The underlying DuckDB connection (DuckDB-only bulk paths: in-engine scans, COPY TO, temp tables)."""
        if self.engine != "duckdb" or self._con is None:
            raise WarehouseError(f"{self._safe_url()} is not an open DuckDB warehouse")
        return self._con

    @property
    def is_postgres(self) -> bool:
        """True when the warehouse is PostgreSQL."""
        return self.engine == "postgresql"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """Run the enclosed statements as one transaction: all of them are visible, or none."""
        if self._in_tx:
            yield self
            return
        self._raw("begin")
        self._in_tx = True
        try:
            yield self
        except BaseException:
            self._in_tx = False
            self._raw("rollback")
            raise
        self._in_tx = False
        self._raw("commit")

    # -- statements ----------------------------------------------------------------------------------------
    def _raw(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        if self._con is None:
            raise WarehouseError(f"warehouse {self._safe_url()} is closed; open a new Warehouse()")
        if self.engine == "duckdb":
            return self._con.execute(sql, params) if params is not None else self._con.execute(sql)
        cur = self._con.cursor()
        if params is not None:
            sql = sql.replace("%", "%%").replace("?", "%s")
        cur.execute(sql, tuple(params) if params is not None else None)
        return cur

    def _safe_url(self) -> str:
        # Never echo a password that may be embedded in the URL.
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", self.url)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run one or more statements (no result)."""
        try:
            cur = self._raw(sql, params)
        except Exception as exc:
            raise WarehouseError(f"SQL failed on {self._safe_url()}: {exc}\n-- statement:\n{sql[:2000]}") from exc
        if self.engine == "postgresql":
            cur.close()

    def query_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return its result as an Arrow table."""
        try:
            if self.engine == "duckdb":
                if self._con is None:
                    raise WarehouseError("warehouse is closed")
                return self._con.sql(sql, params=params).to_arrow_table() if params is not None else (
                    self._con.sql(sql).to_arrow_table()
                )
            cur = self._raw(sql, params)
        except WarehouseError:
            raise
        except Exception as exc:
            raise WarehouseError(f"query failed on {self._safe_url()}: {exc}\n-- query:\n{sql[:2000]}") from exc
        try:
            if cur.description is None:
                return pa.table({})
            return _pg_rows_to_arrow(cur.description, cur.fetchall())
        finally:
            cur.close()

    def stream_arrow(self, sql: str, batch_rows: int = COPY_CHUNK_ROWS) -> Iterator[pa.Table]:
        """Run a query and yield its result as Arrow tables of at most ``batch_rows`` rows, all of one schema.

        Memory stays at one batch whatever the result's size (a server-side cursor on PostgreSQL, a streamed
        result on DuckDB): what exports millions of rows (gold Parquet) uses this, not ``query_arrow``.
        """
        if self._con is None:
            raise WarehouseError(f"warehouse {self._safe_url()} is closed; open a new Warehouse()")
        if self.engine == "duckdb":
            cur = self._con.cursor()
            try:
                rel = cur.sql(sql)
                reader = (rel.to_arrow_reader(batch_rows) if hasattr(rel, "to_arrow_reader")
                          else rel.fetch_record_batch(batch_rows))
                empty = True
                for batch in reader:
                    empty = False
                    yield pa.Table.from_batches([batch])
                if empty:
                    yield reader.schema.empty_table()
            finally:
                cur.close()
            return
        if self._in_tx:
            raise WarehouseError("stream_arrow() on PostgreSQL cannot run inside transaction(); use query_arrow()")
        adbc = pg_loader()
        if adbc is not None:
            yield from self._stream_adbc(adbc, sql, batch_rows)
            return
        self._con.autocommit = False  # a server-side cursor lives in a (driver-managed) transaction
        try:
            cur = self._con.cursor(name=f"stream_{uuid.uuid4().hex[:12]}")
            try:
                cur.itersize = batch_rows
                cur.execute(sql)
                schema = None
                while True:
                    rows = cur.fetchmany(batch_rows)
                    if schema is not None and not rows:
                        break
                    t = _pg_rows_to_arrow(cur.description, rows)
                    if schema is None:
                        schema = t.schema
                    yield t.cast(schema) if t.schema != schema else t
                    if not rows:
                        break
            except WarehouseError:
                raise
            except Exception as exc:
                raise WarehouseError(f"query failed on {self._safe_url()}: {exc}\n-- query:\n{sql[:2000]}") from exc
            finally:
                cur.close()
        finally:
            if self._con is not None:
                self._con.rollback()  # read only: nothing to keep
                self._con.autocommit = True

    def _stream_adbc(self, adbc: Any, sql: str, batch_rows: int) -> Iterator[pa.Table]:
        """PostgreSQL's binary COPY output read as Arrow by ADBC (no Python object per value), typed as
        :meth:`query_arrow` types it; on a connection of its own, with this warehouse's search path."""
        con = adbc.connect(_parse_url(self.url)[1])
        try:
            cur = con.cursor()
            if self.schema:
                cur.execute(f"set search_path = {self.schema}, public")
            try:
                cur.execute(sql)
                reader = cur.fetch_record_batch()
            except Exception as exc:
                raise WarehouseError(f"query failed on {self._safe_url()}: {exc}\n-- query:\n{sql[:2000]}") from exc
            empty = True
            for batch in reader:
                table = _as_psycopg2_types(pa.Table.from_batches([batch]))
                for lo in range(0, table.num_rows, batch_rows):
                    empty = False
                    yield table.slice(lo, batch_rows)
            if empty:
                yield _as_psycopg2_types(reader.schema.empty_table())
            cur.close()
        finally:
            con.close()

    def query_df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a query and return its result as a pandas DataFrame."""
        return self.query_arrow(sql, params).to_pandas()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """First column of the first row (``None`` when the result is empty)."""
        t = self.query_arrow(sql, params)
        return t.column(0)[0].as_py() if t.num_rows else None

    # -- catalog -------------------------------------------------------------------------------------------
    def _split(self, name: str) -> tuple[str | None, str]:
        check_identifier(name)
        if "." in name:
            s, t = name.split(".", 1)
            return s, t
        return self.schema, name

    def table_exists(self, name: str) -> bool:
        """True when a table or view called ``name`` (optionally ``schema.name``) exists."""
        schema, table = self._split(name)
        if schema is None:
            schema = self.scalar("select current_schema()")
        return bool(self.scalar(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ))

    def drop_relation(self, name: str) -> None:
        """Drop the table or view ``name`` if it exists (engines refuse ``drop view`` on a table)."""
        schema, table = self._split(name)
        if schema is None:
            schema = self.scalar("select current_schema()")
        kind = self.scalar(
            "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        )
        if kind is not None:
            cascade = " cascade" if self.is_postgres else ""
            self.execute(f"drop {'view' if kind == 'VIEW' else 'table'} {schema}.{table}{cascade}")

    def schema_exists(self, schema: str) -> bool:
        """True when the schema exists."""
        check_identifier(schema)
        return bool(self.scalar(
            "select count(*) from information_schema.schemata where schema_name = ?", [schema]
        ))

    def tables(self, schema: str | None = None) -> list[str]:
        """Names of the base tables in ``schema`` (default: the current schema)."""
        schema = schema or self.schema or self.scalar("select current_schema()")
        t = self.query_arrow(
            "select table_name from information_schema.tables where table_schema = ? "
            "and table_type = 'BASE TABLE' order by table_name",
            [schema],
        )
        return t.column(0).to_pylist()

    # -- bulk loads ----------------------------------------------------------------------------------------
    def create_table_sql(self, name: str, schema: pa.Schema) -> str:
        """``create table`` statement for an Arrow schema."""
        cols = ", ".join(f'"{f.name}" {pg_type(f.type)}' for f in schema)
        return f"create table {check_identifier(name)} ({cols})"

    def replace_table(self, name: str, table: pa.Table) -> None:
        """Make ``name`` hold exactly ``table`` (drop and recreate, in one transaction)."""
        check_identifier(name)
        with self.transaction():
            self.drop_relation(name)
            self.execute(self.create_table_sql(name, table.schema))
            self._load(name, table)

    def append_table(self, name: str, table: pa.Table) -> None:
        """Append ``table``'s rows to ``name`` (created from the Arrow schema when missing)."""
        check_identifier(name)
        with self.transaction():
            if not self.table_exists(name):
                self.execute(self.create_table_sql(name, table.schema))
            self._load(name, table)

    def _load(self, name: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        if self.engine == "duckdb":
            view = f"_arrow_{uuid.uuid4().hex[:12]}"
            self._con.register(view, table)
            try:
                self.execute(f"insert into {name} ({cols}) select {cols} from {view}")
            finally:
                self._con.unregister(view)
            return
        self._copy_csv(name, table.column_names, table.to_batches(max_chunksize=COPY_CHUNK_ROWS))

    def _copy_csv(self, name: str, columns: list[str], batches: Iterable[pa.RecordBatch]) -> int:
        """CSV ``COPY`` of ``batches`` into PostgreSQL table ``name``, one statement per batch; rows copied."""
        # pyarrow's CSV writer emits garbage (NUL bytes) for zero-length chunks, which a table concatenated
        # from partitions has whenever a source delivered no rows of an entity: skip them. Chunks of
        # COPY_CHUNK_ROWS bound the CSV held in memory at national scale.
        cols = ", ".join(f'"{c}"' for c in columns)
        cur = self._con.cursor()
        rows = 0
        try:
            for batch in batches:
                if not batch.num_rows:
                    continue
                buf = io.BytesIO()
                pacsv.write_csv(_csv_ready(pa.Table.from_batches([batch])), buf,
                                pacsv.WriteOptions(include_header=False))
                buf.seek(0)
                cur.copy_expert(f"copy {name} ({cols}) from stdin with (format csv)", buf)
                rows += cur.rowcount
        except Exception as exc:
            raise WarehouseError(
                f"COPY into {name} failed on {self._safe_url()}: {exc}; check the Arrow schema against the table"
            ) from exc
        finally:
            cur.close()
        return rows

    def load_stream(self, name: str, batches: pa.RecordBatchReader) -> int:
        """Create PostgreSQL table ``name`` (schema-qualified) and bulk-load ``batches``; return the rows loaded.

        The rows are counted by the server (what ``COPY`` reports), one batch is held at a time, and the table
        is created and filled in one transaction. Binary ``COPY`` straight from Arrow through ADBC when
        ``adbc-driver-postgresql`` is installed (about 40 % less server CPU than CSV), else CSV ``COPY``;
        ``TALENTA_PG_LOADER`` = ``adbc`` / ``csv`` forces one (``auto``, the default, prefers ADBC).
        """
        if not self.is_postgres:
            raise WarehouseError("load_stream() bulk-loads PostgreSQL; DuckDB scans Arrow directly (replace_table)")
        schema, table = self._split(name)
        if schema is None:
            raise WarehouseError(f"load_stream() needs a schema-qualified table name, not {name!r}")
        ready = _copy_ready(batches.schema)
        if ready != batches.schema:
            src = batches
            batches = pa.RecordBatchReader.from_batches(ready, (b.cast(ready) for b in src))
        ddl = self.create_table_sql(name, ready)
        adbc = pg_loader()
        if adbc is None:
            with self.transaction():
                self.execute(ddl)
                return self._copy_csv(name, ready.names, batches)
        con = adbc.connect(_parse_url(self.url)[1])
        try:
            cur = con.cursor()
            cur.execute(ddl)
            rows = cur.adbc_ingest(table, batches, mode="append", db_schema_name=schema)
            if rows is None or rows < 0:
                cur.execute(f"select count(*) from {name}")
                rows = cur.fetchone()[0]
            con.commit()
            return int(rows)
        except Exception as exc:
            raise WarehouseError(
                f"binary COPY (ADBC) into {name} failed on {self._safe_url()}: {exc}; "
                "TALENTA_PG_LOADER=csv falls back to CSV COPY") from exc
        finally:
            con.close()
