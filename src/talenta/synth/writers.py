"""Writers: a vendor frame → the bytes or rows of a source system (CSV, XLSX, SQLite, MariaDB, JSONL).

Everything is written deterministically (fixed zip timestamps in XLSX, fixed row order) so the same
seed gives the same bytes.
"""

from __future__ import annotations

import io
import json
import math
import sqlite3
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from talenta.sources.dialects import Dialect
from talenta.synth.defects import BAD_BYTES_MARK
from talenta.synth.render import DATE_COLUMNS

_BAD_BYTES = {"utf-8": b"\xc3\x28", "latin-1": b"\x81\x8d"}
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def csv_bytes(frame: pd.DataFrame, dialect: Dialect, *, truncate: bool = False) -> bytes:
    """The CSV a vendor exports: its delimiter and encoding, invalid bytes where a defect asked for them.

    ``truncate`` cuts the file in the middle of its last data row (an interrupted export).
    """
    text = frame.to_csv(index=False, sep=dialect.delimiter, lineterminator="\n")
    encoding = dialect.encoding.lower()
    data = text.encode(encoding, errors="replace")
    data = data.replace(BAD_BYTES_MARK.encode(encoding), _BAD_BYTES.get(encoding, b"\xff"))
    if truncate and len(frame) > 1:
        body = data.rstrip(b"\n")
        last_start = body.rfind(b"\n") + 1
        data = body[: last_start + max(1, (len(body) - last_start) // 2)]
    return data


_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _col_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """An XLSX workbook with one sheet (inline strings), written directly as SpreadsheetML.

    openpyxl writes ~10x slower cell by cell; this writer keeps national-scale builds within budget and
    gives reproducible bytes (fixed zip timestamps, no wall-clock metadata). Any XLSX reader opens it.
    """
    letters = [_col_letter(i) for i in range(len(frame.columns))]

    def cell(ref: str, value: object) -> str:
        value = _cell(value)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
        return f'<c r="{ref}"><v>{value!r}</v></c>'

    rows = ['<row r="1">' + "".join(cell(f"{c}1", h) for c, h in zip(letters, frame.columns, strict=True)) + "</row>"]
    for n, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        rows.append(f'<row r="{n}">' + "".join(cell(f"{c}{n}", v) for c, v in zip(letters, row, strict=True)) + "</row>")
    sheet_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                 + "".join(rows) + "</sheetData></worksheet>")
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                f'<sheet name="{escape(sheet[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    parts = {**_XLSX_STATIC, "xl/workbook.xml": workbook, "xl/worksheets/sheet1.xml": sheet_xml}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, text in parts.items():
            dst.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def jsonl_bytes(frame: pd.DataFrame) -> bytes:
    """One JSON record per line (REST data as the vendor API returns it)."""
    cols = list(frame.columns)
    lines = [json.dumps(dict(zip(cols, [_cell(v) for v in row], strict=True)), ensure_ascii=False)
             for row in frame.itertuples(index=False, name=None)]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def sql_type(canonical: str | None, dialect: Dialect, engine: str) -> str:
    """Column type in the vendor's database."""
    if canonical in {"year"}:
        return "INTEGER"
    if canonical in {"jpm_pct", "potensi_score", "kompetensi_manajerial", "kompetensi_sosiokultural",
                     "kompetensi_teknis"}:
        return "REAL" if engine == "sqlite" else "DOUBLE"
    if engine == "mysql" and canonical in DATE_COLUMNS and dialect.date_format == "%Y-%m-%d":
        return "DATE"
    return "TEXT" if engine == "sqlite" else "VARCHAR(255)"


def table_ddl(table: str, key: str, frame: pd.DataFrame, vendor_to_canonical: dict[str, str], dialect: Dialect,
              engine: str) -> str:
    """CREATE TABLE for a vendor table: the key as integer primary key, then the vendor columns."""
    q = '"' if engine == "sqlite" else "`"
    parts = [f"{q}{key}{q} INTEGER PRIMARY KEY"]
    for col in frame.columns:
        if col == key:
            continue
        parts.append(f"{q}{col}{q} {sql_type(vendor_to_canonical.get(col), dialect, engine)}")
    return f"CREATE TABLE {q}{table}{q} ({', '.join(parts)})"


def key_values(frame: pd.DataFrame, key: str) -> list[int]:
    """The primary key of each row: the vendor's own id column if it has one, else 1..n in order."""
    if key in frame.columns:
        return [int(v) for v in frame[key]]
    return list(range(1, len(frame) + 1))


def _rows(frame: pd.DataFrame, key: str) -> tuple[list[str], list[tuple]]:
    cols = [c for c in frame.columns if c != key]
    keys = key_values(frame, key)
    body = frame[cols].itertuples(index=False, name=None)
    return [key, *cols], [(k, *(_cell(v) for v in row)) for k, row in zip(keys, body, strict=True)]


def write_sqlite(path: Path, tables: dict[str, tuple[str, pd.DataFrame, dict[str, str]]], dialect: Dialect) -> None:
    """Create a SIMPEG-like SQLite file: ``tables`` maps table → (key column, vendor frame, vendor→canonical)."""
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        for table, (key, frame, v2c) in tables.items():
            con.execute(table_ddl(table, key, frame, v2c, dialect, "sqlite"))
            cols, rows = _rows(frame, key)
            marks = ", ".join("?" * len(cols))
            names = ", ".join(f'"{c}"' for c in cols)
            con.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        con.commit()
    finally:
        con.close()


def mysql_params(url: str) -> dict:
    """pymysql connection parameters from ``mysql://user:pass@host:port`` (or ``mysql+pymysql://``)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or 3306, "user": unquote(parts.username or "root"),
            "password": unquote(parts.password or ""), "charset": "utf8mb4"}


def write_mysql(url: str, database: str, tables: dict[str, tuple[str, pd.DataFrame, dict[str, str]]],
                dialect: Dialect) -> None:
    """Create (replace) a MariaDB database holding the vendor tables."""
    import pymysql

    con = pymysql.connect(**mysql_params(url), autocommit=False)
    try:
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
            cur.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
            cur.execute(f"USE `{database}`")
            for table, (key, frame, v2c) in tables.items():
                cur.execute(table_ddl(table, key, frame, v2c, dialect, "mysql"))
                cols, rows = _rows(frame, key)
                names = ", ".join(f"`{c}`" for c in cols)
                marks = ", ".join(["%s"] * len(cols))
                for start in range(0, len(rows), 5000):
                    cur.executemany(f"INSERT INTO `{table}` ({names}) VALUES ({marks})", rows[start:start + 5000])
        con.commit()
    finally:
        con.close()
