"""Fix files: every quarantined row of a source, in the source's own column names, with what to do.

This is what a BKD clerk opens in a spreadsheet to correct the SIMPEG: ``errors.csv`` (UTF-8 with BOM so
Excel reads it right, one table for all entities) and ``errors.xlsx`` (one sheet per entity). Each row
carries the source row reference (file and row number, page and index, or table key), the NIP as
received, the rules it failed, the reasons, a fix hint per rule, then the row as received under the
vendor's column names.

Values that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) are written as text, because
a record comes from an outside system and may be hostile.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from talenta.reports.data import as_list
from talenta.reports.hints import hint_for

HEADERS = {
    "source_row_ref": "ref_baris (row ref)",
    "row_number": "no_baris (row no.)",
    "entity": "entitas (entity)",
    "nip": "nip",
    "failed_rules": "aturan_gagal (failed rules)",
    "reasons": "alasan (reasons)",
    "what_to_do": "cara_perbaikan (what to do)",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
# Characters openpyxl refuses in a cell (control characters other than tab, newline, return).
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _vendor_columns(dialect: str | None, entity: str) -> dict[str, str]:
    """Canonical → vendor column names for one entity of a dialect; empty when the dialect is unknown."""
    if not dialect:
        return {}
    from talenta.sources.dialects import DialectError, get_dialect

    try:
        mapping = get_dialect(dialect).entities.get(entity)
    except DialectError:
        return {}
    return dict(mapping.columns) if mapping else {}


def parse_record(text: Any) -> dict[str, Any]:
    """The quarantined row as received (JSON object); a non-object is kept whole under ``record``."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return {}
    if isinstance(text, dict):
        return dict(text)
    try:
        value = json.loads(str(text))
    except ValueError:
        return {"record": str(text)}
    return value if isinstance(value, dict) else {"record": value}


def row_number(ref: str) -> str:
    """The row number in the source file for ``file.csv:17`` style references, else empty."""
    head, sep, tail = str(ref).rpartition(":")
    return tail if sep and tail.isdigit() and "." in head and "=" not in head else ""


def fix_rows(quarantined: pd.DataFrame, *, dialect: str | None) -> tuple[list[str], list[dict[str, str]]]:
    """Column order and rows of a source's fix file (one row per quarantined row, in reference order)."""
    rows: list[dict[str, str]] = []
    vendor_order: list[str] = []
    for rec in quarantined.to_dict("records"):
        entity = str(rec.get("entity") or "")
        rules = as_list(rec.get("failed_checks"))
        vendor = _vendor_columns(dialect, entity)
        received = parse_record(rec.get("record"))
        # A record stored under canonical names is shown under the vendor's names (the clerk's layout).
        shown: dict[str, Any] = {}
        for key, value in received.items():
            name = vendor.get(key, key)
            shown[key if name != key and name in received else name] = value
        for name in [*vendor.values(), *shown]:
            if name in shown and name not in vendor_order and name not in HEADERS:
                vendor_order.append(name)
        row = {
            "source_row_ref": str(rec.get("source_row_ref") or ""),
            "row_number": row_number(rec.get("source_row_ref") or ""),
            "entity": entity,
            "nip": "" if rec.get("nip") is None else str(rec.get("nip")),
            "failed_rules": "; ".join(rules),
            "reasons": " | ".join(as_list(rec.get("reasons"))),
            "what_to_do": " | ".join(f"[{r}] {hint_for(r, entity).fix}" for r in rules),
        }
        row.update({k: "" if v is None else str(v) for k, v in shown.items() if k not in HEADERS})
        rows.append(row)
    return [*HEADERS, *vendor_order], rows


def safe_cell(value: str) -> str:
    """A value a spreadsheet shows as text, never runs as a formula."""
    if value and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    """The fix file as CSV (UTF-8 with BOM, comma-separated, header labels in Indonesian and English)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([HEADERS.get(c, c) for c in columns])
        for row in rows:
            writer.writerow([safe_cell(row.get(c, "")) for c in columns])
    return path


def write_xlsx(path: Path, columns: list[str], rows: list[dict[str, str]]) -> Path:
    """The fix file as XLSX: one sheet per entity, only the columns that entity uses, all cells text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    by_entity: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_entity.setdefault(row["entity"] or "data", []).append(row)
    if not by_entity:
        by_entity["data"] = []
    for entity, entity_rows in by_entity.items():
        ws = wb.create_sheet(title=entity[:31])
        used = [c for c in columns if c in HEADERS or any(r.get(c) for r in entity_rows)]
        ws.append([HEADERS.get(c, c) for c in used])
        for row in entity_rows:
            cells = []
            for c in used:
                cell = WriteOnlyCell(ws, value=_ILLEGAL_XLSX.sub("", row.get(c, "")))
                cell.data_type = "s"  # text, even for "=...": a record must never become a formula
                cells.append(cell)
            ws.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_fix_files(out_dir: Path, quarantined: pd.DataFrame, *, dialect: str | None) -> dict[str, Path]:
    """Write ``errors.csv`` and ``errors.xlsx`` for one source's quarantined rows into ``out_dir``."""
    columns, rows = fix_rows(quarantined, dialect=dialect)
    return {
        "csv": write_csv(out_dir / "errors.csv", columns, rows),
        "xlsx": write_xlsx(out_dir / "errors.xlsx", columns, rows),
    }
