"""Warehouse reads and writes of the scoring run, through :class:`talenta.warehouse.db.Warehouse`.

Reads only the columns scoring needs (never names, NIK, religion). Writes every output table for one
``run_id`` in a single transaction: earlier rows of the same run are deleted first, so a re-run
replaces its own results and leaves other runs' history untouched.

Memory (issue #8, national scale): one copy of each input is held. A DuckDB result is handed to pandas
with ``self_destruct`` (Arrow columns are freed as they are converted); PostgreSQL results are streamed
as Arrow (:meth:`Warehouse.stream_arrow`: binary through ADBC; a plain ``fetchall`` of 4.7 M employees
would hold them as Python tuples, several GB, and took minutes to convert). Outputs are converted
to Arrow once with their categoricals kept as dictionaries, then written ``WRITE_CHUNK_ROWS`` at a
time, each slice cast to plain text just before it is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from talenta.settings import reports_dir

# Columns read per input table (those missing in an older warehouse come back as nulls).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_current": (
        "nip", "gender", "birth_date", "employment_type", "golongan", "jabatan_name", "jabatan_type",
        "jabatan_level", "tmt_jabatan", "education_level", "education_major", "instansi_id", "region_code",
        "status", "updated_at", "has_identity_conflict",
    ),
    "performance_rating": ("nip", "year", "predikat"),
    "assessment": ("nip", "assessed_on", "method", "jpm_pct", "potensi_score", "kompetensi_manajerial",
                   "kompetensi_sosiokultural", "kompetensi_teknis"),
    "disciplinary_record": ("nip", "decided_on", "level", "penalty", "ends_on"),
    "vacancy": ("vacancy_id", "instansi_id", "region_code", "jabatan_name", "jabatan_type", "jabatan_level",
                "min_golongan", "min_education", "sector", "opened_on"),
}
# Tables keyed by run_id that a run replaces; dim_talent_box is a small dimension replaced whole.
RUN_TABLES = ("talent_score", "mobility_candidate", "mobility_recommendation", "fairness_audit",
              "agency_readiness", "scoring_run")


class ScoringInputError(RuntimeError):
    """A warehouse table the scoring needs is missing."""


READ_BATCH_ROWS = 200_000  # PostgreSQL input rows converted to Arrow at a time (see Warehouse.stream_arrow)
WRITE_CHUNK_ROWS = 1_000_000  # output rows cast to plain text and written at a time (~200 MB of text)


def _query_arrow(wh, sql: str) -> pa.Table:
    """The query's result as one Arrow table; on PostgreSQL streamed (binary through ADBC, else a
    server-side cursor) and joined as it arrives, never as Python rows of the whole result."""
    if not wh.is_postgres:
        return wh.query_arrow(sql)
    return pa.concat_tables(list(wh.stream_arrow(sql, batch_rows=READ_BATCH_ROWS)), promote_options="default")


def _read(wh, table: str, columns: tuple[str, ...], order_by: str | None = None) -> pd.DataFrame:
    if not wh.table_exists(table):
        raise ScoringInputError(
            f"warehouse table {table!r} is missing at {wh.target_schema}: run the warehouse merge "
            "(talenta merge / DAG warehouse_merge) before talent scoring"
        )
    present = set(wh.query_arrow(f"select * from {table} limit 0").column_names)
    select = ", ".join(f'"{c}"' if c in present else f'null as "{c}"' for c in columns)
    order = f' order by "{order_by}"' if order_by else ""
    result = _query_arrow(wh, f"select {select} from {table}{order}")
    # self_destruct frees each Arrow column once converted: the Arrow result and the frame never both
    # hold the whole table (same values and dtypes as a plain to_pandas()).
    return result.to_pandas(split_blocks=True, self_destruct=True)


def read_inputs(url: str | None = None, *, schema: str | None = None) -> dict[str, pd.DataFrame]:
    """The five input tables as DataFrames (read-only access to the warehouse)."""
    from talenta.warehouse.db import Warehouse

    with Warehouse(url, schema=schema) as wh:
        # Employees come sorted by NIP (the database sorts in parallel) so scoring need not reorder 4.7 M rows.
        return {name: _read(wh, name, cols, "nip" if name == "employee_current" else None)
                for name, cols in INPUT_COLUMNS.items()}


def _plain(table: pa.Table) -> pa.Table:
    # Dictionary-encoded texts (categoricals) are an in-memory trick; the SQL table stores plain strings.
    cols = [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return _plain(pa.Table.from_pandas(frame, preserve_index=False))


def arrow_chunks(frame: pd.DataFrame, rows: int | None = None) -> Iterator[pa.Table]:
    """``frame`` as Arrow tables of at most ``rows`` rows, with plain text columns (as :func:`_arrow`).

    The frame is converted once, categoricals kept as dictionaries (types are inferred on the whole
    frame, as for a single table); only one slice at a time is cast to plain text.
    """
    rows = rows or WRITE_CHUNK_ROWS
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if table.num_rows <= rows:
        yield _plain(table)
        return
    for lo in range(0, table.num_rows, rows):
        yield _plain(table.slice(lo, rows))


def _append(wh, name: str, frame: pd.DataFrame) -> None:
    """Append ``frame`` to table ``name`` (created when missing) without holding it all as plain text.

    PostgreSQL (and any small frame): :meth:`Warehouse.append_table` per slice. DuckDB: one ``insert``
    reading a stream of the slices (DuckDB pulls them one at a time; one statement is faster than many).
    """
    if wh.is_postgres or len(frame) <= (WRITE_CHUNK_ROWS or 1):
        for chunk in arrow_chunks(frame):
            wh.append_table(name, chunk)
        return
    table = pa.Table.from_pandas(frame, preserve_index=False)
    plain = pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                       for f in table.schema])

    def batches() -> Iterator[pa.RecordBatch]:
        for lo in range(0, table.num_rows, WRITE_CHUNK_ROWS):
            yield from _plain(table.slice(lo, WRITE_CHUNK_ROWS)).to_batches()

    if not wh.table_exists(name):
        wh.execute(wh.create_table_sql(name, plain))
    cols = ", ".join(f'"{c}"' for c in plain.names)
    view = f"_scoring_{uuid.uuid4().hex[:12]}"
    wh.duck.register(view, pa.RecordBatchReader.from_batches(plain, batches()))
    try:
        wh.execute(f"insert into {name} ({cols}) select {cols} from {view}")
    finally:
        wh.duck.unregister(view)


def write_outputs(result, run_id: str, url: str | None = None, *, schema: str | None = None) -> None:
    """Replace ``run_id``'s rows in every output table, in one transaction (big tables written in slices)."""
    from talenta.scoring.pipeline import check_run_id
    from talenta.warehouse.db import Warehouse

    check_run_id(run_id)
    with Warehouse(url, schema=schema) as wh, wh.transaction():
        for name in RUN_TABLES:
            if wh.table_exists(name):
                wh.execute(f"delete from {name} where run_id = ?", [run_id])
            _append(wh, name, result.tables[name])
        wh.replace_table("dim_talent_box", _arrow(result.tables["dim_talent_box"]))


def write_report(result, report_dir: str | Path | None = None) -> Path:
    """Write the fairness report (Markdown) for the run; returns its path."""
    from talenta.scoring.fairness import render_markdown

    run_id = result.summary["run_id"]
    folder = Path(report_dir) if report_dir else reports_dir() / "scoring"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fairness_{run_id.replace(':', '-').replace('+', '-')}.md"
    text = render_markdown(result.tables["fairness_audit"], run_id=run_id, rule_version=result.summary["rule_version"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
