"""Which logical dates a warehouse merge covers, for scheduled, asset-triggered and manual runs.

An asset-triggered DAG run has no meaningful ``ds`` of its own (Airflow gives it the trigger time), so the
merge takes its dates from the triggering ``talenta_silver`` events: the event's ``extra["logical_date"]``
(or ``extra["logical_dates"]``) when the sync put it there, else the logical date of the sync run that
emitted the event (in Asia/Jakarta, as the sync computes it). Without events (manual run) the newest
logical date with run records in the lake is used.

The merge rebuilds the whole state from every mergeable partition, so the dates do not select inputs; they
name what the published state is "as of" (the gold partition) and are checked against the lake. The label
is the newest date with run records, never the wall clock, so re-running a merge over the same lake
writes the same gold partition with the same content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talenta.lake.layout import state_dir
from talenta.settings import lake_dir

log = logging.getLogger(__name__)


@dataclass
class MergePlan:
    """The dates a merge covers: ``as_of`` labels the published state; the rest are for the run log."""

    as_of: str | None
    triggered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # triggered dates with no run record in the lake
    lake_dates: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (XCom)."""
        return {"as_of": self.as_of, "triggered": self.triggered, "missing": self.missing,
                "lake_dates_n": len(self.lake_dates)}


def _iso(value: Any) -> str | None:
    """An ISO date from a date, datetime (converted to Jakarta time) or ISO string; None if unusable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from talenta.dagkit import JAKARTA  # the sync's timezone for logical dates (one place)

            value = value.astimezone(JAKARTA)
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        return None


def _flatten(events: Any) -> list[Any]:
    # Airflow passes a mapping {asset: [events]}; tests and callers may pass a plain list.
    if events is None:
        return []
    if hasattr(events, "values"):
        return [e for group in events.values() for e in group]
    return list(events)


def event_dates(events: Any) -> list[str]:
    """Logical dates named by asset events (``triggering_asset_events`` or a list of events), sorted."""
    out: set[str] = set()
    for ev in _flatten(events):
        extra = getattr(ev, "extra", None) or {}
        named = [extra.get("logical_date"), *(extra.get("logical_dates") or [])]
        found = {d for d in map(_iso, named) if d}
        if not found:
            try:
                run = getattr(ev, "source_dag_run", None)
            except Exception as exc:  # the API lookup of the source run may fail; the lake fallback remains
                log.warning("cannot look up the sync run behind asset event %s: %s", ev, exc)
                run = None
            d = _iso(getattr(run, "logical_date", None)) if run is not None else None
            if d:
                found.add(d)
        out |= found
    return sorted(out)


def lake_run_dates(root: Path | None = None) -> list[str]:
    """Logical dates that have at least one run record in the lake, sorted."""
    runs = state_dir(root=root or lake_dir()) / "runs"
    return sorted(p.name.split("=", 1)[1] for p in runs.glob("logical_date=*") if any(p.glob("*.json")))


def plan_merge(events: Any = None, *, root: Path | None = None, requested: Iterable[str] = ()) -> MergePlan:
    """Decide what a merge is "as of" from asset events, explicitly ``requested`` dates and the lake.

    ``as_of`` is the newest date with run records (the merge includes everything up to it); triggered or
    requested dates without run records are reported in ``missing`` (their sync wrote nothing: check its
    run) rather than invented.
    """
    lake = lake_run_dates(root)
    triggered = sorted(set(event_dates(events)) | {d for d in map(_iso, requested) if d})
    missing = [d for d in triggered if d not in lake]
    if missing:
        log.warning("merge triggered for %s but the lake has no run records for %s", triggered, missing)
    return MergePlan(as_of=lake[-1] if lake else None, triggered=triggered, missing=missing, lake_dates=lake)
