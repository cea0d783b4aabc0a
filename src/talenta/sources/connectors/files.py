"""File-drop connector: the newest export per entity in a source's drop folder, CSV or XLSX.

Files are named ``<table>_<YYYYMMDD>.<csv|xlsx>`` (``table`` from the dialect). A file is read whole or
not at all: undecodable bytes, an empty file, a cut-off last line, a row with the wrong number of fields
or a damaged XLSX raise :class:`BrokenFileError` naming the file and row, and nothing of it is loaded.
Each file is ingested once: its content hash is remembered (``talenta.sources.state``), so the same file
dropped again is skipped, while a re-run of the logical date that ingested it reads it again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from talenta.sources.connectors.base import ROW_REF, Extract, manifest, string_table
from talenta.sources.dialects import Dialect
from talenta.sources.errors import BrokenFileError, SourceError

_NAME = re.compile(r"^(?P<table>.+)_(?P<stamp>\d{8})\.(?P<ext>csv|xlsx)$", re.IGNORECASE)
# Names that editors and copy tools use while a file is still being written.
_PARTIAL_MARKERS = (".part", ".tmp", ".partial", ".crdownload", ".filepart")


def find_file(drop_dir: Path, table: str, ext: str, logical_date: str) -> Path | None:
    """The newest ``<table>_<YYYYMMDD>.<ext>`` dated on or before ``logical_date`` (``None`` if none)."""
    limit = logical_date.replace("-", "")
    best: tuple[str, Path] | None = None
    for path in drop_dir.iterdir():
        if path.name.startswith((".", "~$")) or path.name.lower().endswith(_PARTIAL_MARKERS):
            continue
        match = _NAME.match(path.name)
        if not match or match["table"] != table or match["ext"].lower() != ext:
            continue
        if match["stamp"] <= limit and (best is None or match["stamp"] > best[0]):
            best = (match["stamp"], path)
    return best[1] if best else None


def partial_files(drop_dir: Path, table: str) -> list[str]:
    """Names of files for ``table`` that are still being written (temporary names)."""
    return sorted(p.name for p in drop_dir.iterdir()
                  if p.name.startswith(table) and p.name.lower().endswith(_PARTIAL_MARKERS))


def _decode(raw: bytes, encoding: str, where: str, source_id: str) -> str:
    """Decode strictly; a few rows with invalid bytes are kept (marked U+FFFD, quarantined downstream)."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        lines = raw.split(b"\n")
        bad = [i for i, line in enumerate(lines, start=1) if not _decodes(line, encoding)]
        if len(bad) <= max(3, len(lines) // 100):
            # Isolated bad bytes are a row defect, not a wrong encoding: keep every row, let validation
            # quarantine the damaged ones with the exact value.
            return raw.decode(encoding, errors="replace")
        line = raw[: exc.start].count(b"\n") + 1
        guess = next((enc for enc in ("utf-8", "cp1252") if enc != encoding and _decodes(raw, enc)), None)
        hint = (f"the bytes decode as {guess}: re-export the file as {encoding} or move the source to a "
                f"dialect declaring {guess}" if guess else f"re-export the file as {encoding}")
        raise BrokenFileError(
            f"{len(bad)} of {len(lines)} lines are not valid {encoding}; the first bad bytes "
            f"{raw[exc.start:exc.end + 3]!r} are at byte {exc.start} (line {line})",
            source_id=source_id, where=where, hint=hint) from None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _first_bad_row(text: str, delimiter: str, width: int) -> tuple[int, int] | None:
    """(data row number from 1, field count) of the first row whose field count differs from the header."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    for number, row in enumerate(reader, start=1):
        if row and len(row) != width:
            return number, len(row)
    return None


def row_refs(file_name: str, rows: int) -> pa.Array:
    """``<file name>:<data row from 1>`` for ``rows`` rows, built column-wise."""
    numbers = pc.cast(pa.array(np.arange(1, rows + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(pa.repeat(pa.scalar(f"{file_name}:"), rows), numbers, "")


def _header(data: bytes, dialect: Dialect, encoding: str | None) -> list[str]:
    line = data.split(b"\n", 1)[0]
    text = line.decode(encoding or "utf-8", errors="replace").lstrip("\ufeff")
    return next(csv.reader([text.rstrip("\r")], delimiter=dialect.delimiter), [])


def read_csv(path: Path, dialect: Dialect, *, source_id: str, data: bytes | None = None) -> pa.Table:
    """A whole CSV file as an all-string table with ``source_row_ref`` = ``<file name>:<data row>``.

    ``data`` are the file's bytes when the caller already read them (to hash them). Well-formed files go
    straight through Arrow; anything Arrow rejects is re-examined line by line to say exactly what and
    where (bad bytes, a row with the wrong number of fields), and nothing of a broken file is loaded.
    """
    where = f"file {path.name}"
    raw = path.read_bytes() if data is None else data
    if not raw or raw.isspace():
        raise BrokenFileError("the file is empty (0 rows, no header)", source_id=source_id, where=where,
                              hint="the export failed or is still running: drop the file again")
    if not raw.endswith((b"\n", b"\r")):
        last = raw.rsplit(b"\n", 1)[-1].decode(dialect.encoding, errors="replace")
        rows = raw.count(b"\n")
        raise BrokenFileError(
            f"the last line (data row {rows}) is not terminated: the file was cut off or is still being "
            f"written ({last[:60]!r}...)", source_id=source_id, where=where,
            hint="wait for the export to finish, then drop the complete file again")
    header = _header(raw, dialect, dialect.encoding)
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise BrokenFileError(f"duplicate column names {dupes}", source_id=source_id, where=where,
                              hint="rename the duplicate columns in the export")
    table = None
    if not any("\ufffd" in name for name in header):  # an undecodable header needs the careful path
        try:
            table = _fast_csv(raw, header, dialect)
        except pa.ArrowInvalid:
            table = None
    if table is None:
        table = _careful_csv(raw, header, dialect, where=where, source_id=source_id)
    return table.append_column(ROW_REF, row_refs(path.name, table.num_rows))


def _csv_options(header: list[str], dialect: Dialect) -> tuple:
    parse = pacsv.ParseOptions(delimiter=dialect.delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True,
                                   null_values=[""])
    return parse, convert


def _fast_csv(raw: bytes, header: list[str], dialect: Dialect) -> pa.Table:
    parse, convert = _csv_options(header, dialect)
    utf8 = dialect.encoding.lower().replace("_", "-") in ("utf-8", "utf8")
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24,
                             encoding="utf8" if utf8 else dialect.encoding)
    return pacsv.read_csv(io.BytesIO(raw), read_options=read, parse_options=parse, convert_options=convert)


def _careful_csv(raw: bytes, header: list[str], dialect: Dialect, *, where: str, source_id: str) -> pa.Table:
    """The slow path for files Arrow rejected: find and name the problem, or keep isolated bad bytes."""
    text = _decode(raw, dialect.encoding, where, source_id)
    if text.startswith("\ufeff"):
        text = text[1:]
    bad = _first_bad_row(text, dialect.delimiter, len(header))
    if bad:
        raise BrokenFileError(
            f"data row {bad[0]} has {bad[1]} fields but the header has {len(header)}", source_id=source_id,
            where=f"{where}:{bad[0]}",
            hint=f"check the quoting and the delimiter {dialect.delimiter!r} of that row and re-export")
    parse, convert = _csv_options(header, dialect)
    try:
        return pacsv.read_csv(io.BytesIO(text.encode("utf-8")),
                              read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
                              parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise BrokenFileError(f"cannot be parsed as CSV: {exc}", source_id=source_id, where=where,
                              hint="re-export the file") from None


def read_xlsx(path: Path, *, source_id: str, data: bytes | None = None) -> pa.Table:
    """The first sheet of an XLSX file (header in row 1) as an all-string table; empty rows at the end dropped.

    ``data`` are the file's bytes when the caller already read them (to hash them).
    """
    from openpyxl import load_workbook

    where = f"file {path.name}"
    if (len(data) if data is not None else path.stat().st_size) == 0:
        raise BrokenFileError("the file is empty (0 bytes)", source_id=source_id, where=where,
                              hint="the export failed or is still running: drop the file again")
    try:
        book = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BrokenFileError(f"is not a complete XLSX workbook ({type(exc).__name__}: {exc})",
                              source_id=source_id, where=where,
                              hint="the file was cut off or half-written: drop the complete file again") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None or all(v is None for v in header_row):
            raise BrokenFileError("the first sheet has no header row", source_id=source_id, where=where,
                                  hint="export with column headers in row 1")
        width = max(i + 1 for i, v in enumerate(header_row) if v is not None)
        header = [str(v).strip() if v is not None else f"column_{i + 1}" for i, v in enumerate(header_row[:width])]
        body = []
        for number, row in enumerate(rows, start=1):
            values = [_cell(v) for v in row[:width]]
            values += [None] * (width - len(values))
            if any(v is not None for v in row[width:]):
                raise BrokenFileError(f"data row {number} has values beyond the {width} header columns",
                                      source_id=source_id, where=f"{where}:{number}",
                                      hint="remove stray cells right of the table or add their header")
            body.append(values)
    except zipfile.BadZipFile as exc:
        raise BrokenFileError(f"the workbook is damaged ({exc})", source_id=source_id, where=where,
                              hint="drop the complete file again") from None
    finally:
        book.close()
    while body and all(v is None for v in body[-1]):
        body.pop()
    return string_table(header, body, row_refs(path.name, len(body)))


def _cell(value: object) -> object:
    # Spreadsheets store dates as datetimes; a midnight time is a date the vendor typed.
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (the ingested-once key)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileConnector:
    """Reads one file-drop source's drop folder by its dialect.

    ``ingested`` maps content hash → logical date it was ingested for (from the state store); a file
    whose hash was ingested for another date is skipped, one ingested for this date is read again.
    """

    def __init__(self, source_id: str, dialect: Dialect, drop_dir: Path, *,
                 ingested: dict[str, str] | None = None) -> None:
        if not drop_dir.is_dir():
            raise SourceError(f"drop folder {drop_dir} does not exist", source_id=source_id,
                              hint="check the path in the source's connection (extra.path)")
        self.source_id = source_id
        self.dialect = dialect
        self.drop_dir = drop_dir
        self.ingested = ingested or {}

    def extract(self, entity: str, logical_date: str) -> Extract:
        """Read the entity's newest file for ``logical_date`` (or report why there is nothing to read)."""
        started = time.perf_counter()
        mapping = self.dialect.entities[entity]
        ext = "xlsx" if self.dialect.format == "xlsx" else "csv"
        path = find_file(self.drop_dir, mapping.table, ext, logical_date)
        empty = string_table([], [], [])
        if path is None:
            partial = partial_files(self.drop_dir, mapping.table)
            reason = (f"no complete {mapping.table}_<date>.{ext} yet; still being written: {partial}" if partial
                      else f"no {mapping.table}_<YYYYMMDD>.{ext} dated on or before {logical_date}")
            return Extract(self.source_id, entity, empty, {"rows": 0, "origin": str(self.drop_dir)}, reason)
        # One read: the bytes are hashed (ingested-once key) and parsed from memory.
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        done_for = self.ingested.get(digest)
        if done_for is not None and done_for != logical_date:
            return Extract(self.source_id, entity, empty, {"rows": 0, "origin": path.name, "content_hash": digest},
                           f"{path.name} unchanged: already ingested for {done_for}")
        table = (read_xlsx(path, source_id=self.source_id, data=data) if ext == "xlsx"
                 else read_csv(path, self.dialect, source_id=self.source_id, data=data))
        meta = manifest(table, started=started, finished=time.perf_counter(), origin=path.name,
                        content_hash=digest, file=path.name, file_bytes=len(data))
        return Extract(self.source_id, entity, table, meta)
