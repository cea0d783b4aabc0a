"""The common result of every connector: vendor columns as strings, a row reference, a bronze manifest.

Connectors do not interpret values: every vendor column arrives as a string (or null) exactly as the
source wrote it, so bronze keeps what was received and harmonization is the one place that parses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ROW_REF = "source_row_ref"


@dataclass
class Extract:
    """What one connector read for one (source, entity): the bronze table and its manifest.

    ``table`` holds the vendor columns (strings) plus ``source_row_ref``. ``skipped`` is set (with a
    reason) when there was nothing new to read, e.g. a drop file already ingested for another date.
    """

    source_id: str
    entity: str
    table: pa.Table
    manifest: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def rows(self) -> int:
        """Rows received."""
        return self.table.num_rows


def to_text(value: Any) -> str | None:
    """One received value as text: ``None`` stays null, dates become ISO, nested JSON stays JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float) and value != value:  # NaN from a spreadsheet cell
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def text_column(values: Sequence[Any]) -> pa.Array:
    """One received column as strings (see :func:`to_text`), column-wise where the values allow it."""
    try:
        return pa.array(values, type=pa.string())  # the common case: text and nulls only
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    if all(type(v) is int or v is None for v in values):  # ids and years from a database: str() == Arrow's
        try:
            return pc.cast(pa.array(values, type=pa.int64()), pa.string())
        except (pa.ArrowInvalid, OverflowError):
            pass
    return pa.array([to_text(v) for v in values], type=pa.string())


def string_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], refs: Sequence[str] | pa.Array) -> pa.Table:
    """An all-string Arrow table from row tuples (in ``columns`` order) and their row references."""
    rows = rows if isinstance(rows, list) else list(rows)
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    arrays = [text_column(list(values)) for values in by_column]
    arrays.append(refs if isinstance(refs, pa.Array) else pa.array(list(refs), type=pa.string()))
    return pa.Table.from_arrays(arrays, names=[*columns, ROW_REF])


def records_table(records: Sequence[dict[str, Any]], refs: Sequence[str]) -> pa.Table:
    """An all-string Arrow table from JSON records whose keys may differ (union of keys, first-seen order)."""
    columns: dict[str, None] = {}
    for rec in records:
        for key in rec:
            columns.setdefault(key, None)
    names = list(columns)
    return string_table(names, ([rec.get(k) for k in names] for rec in records), refs)


def schema_hash(columns: Sequence[str]) -> str:
    """Hash of the received column names, in order: a changed hash flags schema drift at a glance."""
    return hashlib.sha256("\x1f".join(columns).encode()).hexdigest()[:16]


def table_hash(table: pa.Table) -> str:
    """Content hash of a received table (columns and values, without the row references)."""
    digest = hashlib.sha256()
    data = table.drop_columns([ROW_REF]) if ROW_REF in table.column_names else table
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def manifest(extract_table: pa.Table, *, started: float, finished: float, origin: str,
             content_hash: str | None = None, watermark: str | None = None, **more: Any) -> dict[str, Any]:
    """The bronze manifest: rows, content hash, schema hash, watermark, duration and where it came from."""
    columns = [c for c in extract_table.column_names if c != ROW_REF]
    return {
        "rows": extract_table.num_rows,
        "content_hash": content_hash or table_hash(extract_table),
        "schema_hash": schema_hash(columns),
        "columns": columns,
        "watermark": watermark,
        "duration_s": round(finished - started, 3),
        "origin": origin,
        **more,
    }


def parse_timestamps(values: pd.Series, date_format: str) -> pd.Series:
    """Timestamps written in the vendor's date format (optionally with a time), else ISO 8601; NaT if neither."""
    text = values.astype("string").str.strip()
    # A format must match a whole value, so at most one of the vendor's formats reads a given value: they
    # are tried in any order, the one that reads the first values first (an update column holds times, and
    # trying the date alone first was a wasted pass over every value). ISO 8601 stays the last resort.
    formats = [date_format, f"{date_format} %H:%M:%S", f"{date_format} %H:%M"]
    sample = text.dropna().head(16)
    if len(sample):
        first = next((f for f in formats if pd.to_datetime(sample, format=f, errors="coerce").notna().all()), None)
        if first is not None:
            formats.remove(first)
            formats.insert(0, first)
    out = pd.to_datetime(text, format=formats[0], errors="coerce")
    for fmt in (*formats[1:], "ISO8601"):
        missing = out.isna() & text.notna()
        if not missing.any():
            break
        out = out.where(~missing, pd.to_datetime(text.where(missing), format=fmt, errors="coerce"))
    return out
