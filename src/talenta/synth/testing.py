"""Helpers for other stages' tests: a small synthetic world in a temporary folder, quickly."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pandas as pd

from talenta.sources.dialects import get_dialect
from talenta.sources.registry import get_source
from talenta.synth import defects, world

# One source per dialect (all three kinds), plus a large regional one (see config/sources.yaml).
DEFAULT_SOURCES = ("p001", "p002", "p005", "p006", "p008", "p016", "p030", "d3578")


def small_world(tmp_path: Path, sources: list[str] | tuple[str, ...] | None = None, seed: int = 7, *,
                scale: float = 0.002, rates: defects.DefectRates | None = None, faults: bool = False,
                mariadb_url: str | None = None) -> Path:
    """Build a small world under ``tmp_path/world`` and return its folder.

    Defaults: a few sources of every kind, scale 0.002 (tens to hundreds of employees per source), the
    default defect rates and REST sources without faults (set ``faults`` or edit ``api/faults.json``).
    """
    out = Path(tmp_path) / "world"
    world.build(world.BuildOptions(
        out=out, scale=scale, seed=seed, sources=tuple(sources or DEFAULT_SOURCES), mariadb_url=mariadb_url,
        rates=rates or defects.DefectRates(), faults=faults, workers=1,
    ))
    return out


def read_source_entity(world: Path, source_id: str, entity: str) -> tuple[pd.DataFrame, list[str], bytes | None]:
    """Read one entity of one built source exactly as written (SQLite for sql_db; MariaDB not covered).

    Returns the vendor columns, the ``source_row_ref`` of each row and the raw file bytes (file drops only).
    """
    source = get_source(source_id)
    dialect = get_dialect(source.dialect)
    mapping = dialect.entities[entity]
    root = world / "sources" / source_id
    if source.kind == "file_drop":
        path = next((root / "drop").glob(f"{mapping.table}_*.{dialect.format}"))
        raw = path.read_bytes()
        if not raw:
            return pd.DataFrame(), [], raw
        if dialect.format == "xlsx":
            frame = pd.read_excel(path, dtype=str)
        else:
            text = raw.decode(dialect.encoding, errors="replace")
            rows = list(csv.reader(io.StringIO(text), delimiter=dialect.delimiter))
            header, body = rows[0], rows[1:]
            frame = pd.DataFrame([r + [None] * (len(header) - len(r)) for r in body], columns=header)
        return frame, [f"{path.name}:{i + 1}" for i in range(len(frame))], raw
    if source.kind == "sql_db":
        con = sqlite3.connect(root / "simpeg.sqlite")
        try:
            frame = pd.read_sql_query(f'SELECT * FROM "{mapping.table}" ORDER BY "{mapping.key}"', con)
        finally:
            con.close()
        refs = [f"{mapping.table}.{mapping.key}={k}" for k in frame[mapping.key]]
        return frame, refs, None
    lines = (root / "api" / f"{entity}.jsonl").read_text(encoding="utf-8").splitlines()
    frame = pd.DataFrame([json.loads(x) for x in lines])
    return frame, [f"page={i // 500 + 1}:{i % 500}" for i in range(len(frame))], None
