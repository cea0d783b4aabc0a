"""The sync stage's own state in the lake ``_state`` folder (not Airflow Variables): reproducible re-runs.

* watermarks: ``_state/watermarks/<source_id>.json`` = ``{entity: {logical_date: watermark}}``. A run for
  date D reads the newest watermark recorded for a date *before* D, so re-running D (or backfilling an
  older date) reads exactly what the first run read.
* ingested files: ``_state/ingested/<source_id>.json`` = ``{sha256: {file, entity, logical_date}}``.
* run records: ``_state/runs/logical_date=<D>/<source_id>.json`` (the contract in DESIGN/issue #4).

Each file belongs to one source, which only one shard syncs at a time, so writers never collide.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from talenta.lake.layout import state_dir, write_json_atomic


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class SyncState:
    """Watermarks, ingested-file hashes and run records of the sync stage under one lake root."""

    def __init__(self, root: Path | None = None) -> None:
        self.base = state_dir(root=root)

    def _watermark_path(self, source_id: str) -> Path:
        return self.base / "watermarks" / f"{source_id}.json"

    def watermark_before(self, source_id: str, entity: str, logical_date: str) -> str | None:
        """The newest watermark recorded for a logical date strictly before ``logical_date``."""
        by_date = _read(self._watermark_path(source_id)).get(entity, {})
        earlier = [(d, wm) for d, wm in by_date.items() if d < logical_date and wm]
        return max(earlier)[1] if earlier else None

    def set_watermark(self, source_id: str, entity: str, logical_date: str, watermark: str | None) -> None:
        """Remember the watermark reached by the run of ``logical_date``."""
        path = self._watermark_path(source_id)
        doc = _read(path)
        doc.setdefault(entity, {})[logical_date] = watermark
        write_json_atomic(path, doc)

    def _ingested_path(self, source_id: str) -> Path:
        return self.base / "ingested" / f"{source_id}.json"

    def ingested(self, source_id: str) -> dict[str, str]:
        """Content hash → logical date it was ingested for."""
        return {h: rec["logical_date"] for h, rec in _read(self._ingested_path(source_id)).items()}

    def remember_files(self, source_id: str, files: list[dict[str, str]]) -> None:
        """Record ingested files (each ``{hash, file, entity, logical_date}``)."""
        if not files:
            return
        path = self._ingested_path(source_id)
        doc = _read(path)
        for f in files:
            doc[f["hash"]] = {k: v for k, v in f.items() if k != "hash"}
        write_json_atomic(path, doc)

    def run_record_path(self, logical_date: str, source_id: str) -> Path:
        """Where the run record of a source and logical date lives."""
        return self.base / "runs" / f"logical_date={logical_date}" / f"{source_id}.json"

    def write_run_record(self, record: dict[str, Any]) -> Path:
        """Write (replace) a run record atomically."""
        return write_json_atomic(self.run_record_path(record["logical_date"], record["source_id"]), record)

    def read_run_record(self, logical_date: str, source_id: str) -> dict[str, Any] | None:
        """A run record, or ``None`` when that source has not run for that date."""
        path = self.run_record_path(logical_date, source_id)
        return _read(path) if path.exists() else None

    def run_records(self, logical_date: str) -> list[dict[str, Any]]:
        """Every run record of a logical date, by source id."""
        folder = self.base / "runs" / f"logical_date={logical_date}"
        return [_read(p) for p in sorted(folder.glob("*.json"))] if folder.exists() else []
