"""Read what the reports need from the warehouse tables, one logical date plus history.

Only the table shapes of the warehouse contract are relied on: ``source_sync``, ``quarantined_record`` and
``dq_check_result`` (each with ``logical_date``). The reader is any object with
``query_arrow(sql) -> pyarrow.Table`` (:class:`talenta.warehouse.db.Warehouse`). SQL is kept to plain
``select ... where`` that DuckDB and PostgreSQL both run; the logical date is validated as an ISO date
before it is put in the text, so no user text ever reaches SQL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd


class ArrowReader(Protocol):
    """The part of the warehouse contract the reports use."""

    def query_arrow(self, sql: str, params: Any = None) -> Any:  # pragma: no cover - protocol
        """Run a query and return a pyarrow Table."""


@dataclass
class ReportData:
    """Everything one report build needs, as pandas frames (small: per-source aggregates and samples)."""

    logical_date: str
    sync: pd.DataFrame          # source_sync rows of the logical date (latest run per source and entity)
    sync_history: pd.DataFrame  # source_sync rows up to the logical date (freshness, expected rows, trend)
    checks: pd.DataFrame        # dq_check_result rows of the selected runs
    check_history: pd.DataFrame  # dq_check_result rows up to the logical date (trend)
    quarantined: pd.DataFrame   # quarantined_record rows of the selected runs


def iso_date(value: str) -> str:
    """``value`` as a checked ISO date (``YYYY-MM-DD``); a clear error otherwise."""
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"logical date {value!r} is not an ISO date (YYYY-MM-DD); pass e.g. 2026-01-31") from None


def as_list(value: Any) -> list[str]:
    """A list column as a Python list of strings, whether stored as a list, an array, JSON text or null."""
    if value is None:
        return []
    if isinstance(value, float) and np.isnan(value):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value if v is not None]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text) if v is not None]
        except ValueError:
            pass
    if text.startswith("{") and text.endswith("}"):  # PostgreSQL text[] rendered as text
        return [part.strip().strip('"') for part in text[1:-1].split(",") if part.strip()]
    return [text]


def _df(reader: ArrowReader, sql: str) -> pd.DataFrame:
    df = reader.query_arrow(sql).to_pandas()
    if "logical_date" in df.columns:
        df["logical_date"] = df["logical_date"].astype(str).str.slice(0, 10)
    return df


def _day(column: str, op: str, day: str) -> str:
    # Casting to text compares the same way whether the column is a DATE or an ISO string.
    return f"substr(cast({column} as varchar), 1, 10) {op} '{day}'"


def latest_runs(sync: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per (source, entity, logical date): the last run (run ids sort by start time)."""
    if sync.empty:
        return sync
    ordered = sync.sort_values(["source_id", "entity", "logical_date", "run_id"])
    return ordered.drop_duplicates(["source_id", "entity", "logical_date"], keep="last").reset_index(drop=True)


def load(reader: ArrowReader, logical_date: str, *, history_days: int = 90) -> ReportData:
    """Read the report inputs for ``logical_date`` and the ``history_days`` before it."""
    day = iso_date(logical_date)
    since = (dt.date.fromisoformat(day) - dt.timedelta(days=history_days)).isoformat()
    window = f"{_day('logical_date', '<=', day)} and {_day('logical_date', '>=', since)}"
    sync_history = latest_runs(_df(reader, f"select * from source_sync where {window}"))
    sync = sync_history[sync_history["logical_date"] == day].reset_index(drop=True)
    runs = set(zip(sync["source_id"], sync["run_id"], strict=True))

    def of_selected_runs(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        keep = [(s, r) in runs for s, r in zip(df["source_id"], df["run_id"], strict=True)]
        return df[keep].reset_index(drop=True)

    check_history = _df(reader, f"select * from dq_check_result where {window}")
    if not check_history.empty:
        # A re-run replaces a day's result: trends use the same (latest) run per day as source_sync.
        history_runs = set(zip(sync_history["source_id"], sync_history["run_id"], strict=True))
        keep = [(s, r) in history_runs for s, r in zip(check_history["source_id"], check_history["run_id"],
                                                        strict=True)]
        check_history = check_history[keep].reset_index(drop=True)
    checks = of_selected_runs(check_history[check_history["logical_date"] == day])
    quarantined = of_selected_runs(
        _df(reader, f"select * from quarantined_record where {_day('logical_date', '=', day)}"))
    return ReportData(day, sync, sync_history, checks, check_history, quarantined)
