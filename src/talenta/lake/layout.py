"""Lake layout and atomic partition writes.

Every partition is ``<lake>/<zone>/entity=<entity>/source_id=<source>/logical_date=<YYYY-MM-DD>/`` holding
``part-0.parquet`` (and, in bronze, ``_manifest.json``). A partition is written to a temporary sibling
folder and renamed into place, so a reader sees the old partition or the new one, never half of either,
and a re-run of the same source and date replaces its partition exactly.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from talenta.settings import lake_dir

ZONES = ("bronze", "silver", "quarantine", "dq", "gold")


def partition_dir(zone: str, entity: str, source_id: str, logical_date: str, *, root: Path | None = None) -> Path:
    """Folder of one (zone, entity, source, logical date) partition."""
    if zone not in ZONES:
        raise ValueError(f"unknown lake zone {zone!r}; expected one of {ZONES}")
    base = root or lake_dir()
    return base / zone / f"entity={entity}" / f"source_id={source_id}" / f"logical_date={logical_date}"


def state_dir(*, root: Path | None = None) -> Path:
    """Folder for the pipeline's own state (run records, watermarks, ingested files)."""
    return (root or lake_dir()) / "_state"


def write_partition(
    target: Path, table: pa.Table, *, manifest: dict[str, Any] | None = None, compression: str = "zstd"
) -> Path:
    """Write ``table`` (and an optional manifest) as the whole content of ``target``, atomically."""

    def fill(tmp: Path) -> None:
        pq.write_table(table, tmp / "part-0.parquet", compression=compression)
        if manifest is not None:
            (tmp / "_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))

    return replace_partition(target, fill)


def replace_partition(target: Path, fill: Callable[[Path], None]) -> Path:
    """Make ``target`` hold exactly what ``fill(tmp_dir)`` writes, atomically (for writers that are not
    pyarrow, e.g. DuckDB ``COPY ... TO``): ``fill`` writes into a fresh hidden folder next to ``target``,
    which is then renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".tmp-{target.name}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        fill(tmp)
        old = None
        if target.exists():
            old = target.parent / f".old-{target.name}-{uuid.uuid4().hex[:8]}"
            os.rename(target, old)
        os.rename(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_partition(target: Path) -> pa.Table:
    """Read a partition's table."""
    return pq.read_table(target / "part-0.parquet")


def write_json_atomic(path: Path, payload: Any) -> Path:
    """Write a JSON document atomically (temp file then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str))
    os.replace(tmp, path)
    return path
