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

from talenta.sources.connectors.base import ROW_REF, Extract, manifest, string_table, text_column
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

    ``data`` are the file's bytes when the caller already read them (to hash them). calamine (Rust) parses
    the workbook; every cell then gets the value the earlier openpyxl reader gave it, so bronze is the
    same: blank text is null, a date-time at midnight is a date, a number keeps the form of its cell text
    (``2024`` stays ``2024``, ``74.0`` stays ``74.0``, an 18-digit NIP keeps every digit) and an error
    cell keeps its code (``#N/A``): calamine returns numbers as floats and error cells as empty, so those
    few cells are taken from the sheet's XML (see :func:`_SheetXml`).
    """
    from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

    where = f"file {path.name}"
    raw = path.read_bytes() if data is None else data
    if not raw:
        raise BrokenFileError("the file is empty (0 bytes)", source_id=source_id, where=where,
                              hint="the export failed or is still running: drop the file again")
    try:
        book = CalamineWorkbook.from_object(io.BytesIO(raw))
    except (CalamineError, OSError, ValueError) as exc:
        raise BrokenFileError(f"is not a complete XLSX workbook ({type(exc).__name__}: {exc})",
                              source_id=source_id, where=where,
                              hint="the file was cut off or half-written: drop the complete file again") from None
    try:
        # The first worksheet, as openpyxl's ``worksheets[0]`` (chart sheets are not worksheets).
        name = next((m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet), None)
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False) if name is not None else []
    except (CalamineError, OSError, ValueError) as exc:
        raise BrokenFileError(f"the workbook is damaged ({type(exc).__name__}: {exc})", source_id=source_id,
                              where=where, hint="drop the complete file again") from None
    finally:
        book.close()
    xml = _SheetXml(raw, name) if name is not None else _SheetXml(b"", "")
    return _grid_table(grid, xml, path.name, source_id=source_id, where=where)


def _grid_table(grid: list[list], xml: _SheetXml, file_name: str, *, source_id: str, where: str) -> pa.Table:
    """calamine's cell grid (from A1, ``""`` for an empty cell) as the all-string table with row references."""
    header_row = grid[0] if grid else []
    errors = xml.error_cells()  # (row from 0, column from 0) -> "#N/A": empty ("") in the grid
    filled = [i for i, v in enumerate(header_row) if v != "" or (0, i) in errors]
    if not filled:
        raise BrokenFileError("the first sheet has no header row", source_id=source_id, where=where,
                              hint="export with column headers in row 1")
    width = filled[-1] + 1
    body = grid[1:]
    stray = sorted(row for row, col in errors if row and col >= width)
    if stray or len(header_row) > width:  # the grid is rectangular: look right of the header only if wider
        for number, row in enumerate(body, start=1):
            if any(v != "" for v in row[width:]) or (stray and stray[0] == number):
                raise BrokenFileError(f"data row {number} has values beyond the {width} header columns",
                                      source_id=source_id, where=f"{where}:{number}",
                                      hint="remove stray cells right of the table or add their header")
    header, integral = _header_cells(header_row[:width])
    error_columns = {col for _, col in errors}
    columns: list[list | _Text] = []  # text-only columns go to Arrow whole, the others as Python values
    for index, column in enumerate(zip(*body, strict=True) if body else [() for _ in header]):
        if index == width:
            break
        text = _text_only(column) if index not in error_columns else None
        if text is not None:
            columns.append(text)
            continue
        values, whole = _cells(column)
        columns.append(values)
        integral = integral or whole
    for (row, col), code in errors.items():
        if col < width:
            if row == 0:
                header[col] = code
            elif row <= len(body):
                columns[col][row - 1] = code
    if integral:  # whole numbers: their cell text tells int from float (and keeps 16+ digit ints exact)
        for (row, col), number in xml.numbers().items():
            target = header if row == 0 else columns[col] if col < width else None
            index = col if row == 0 else row - 1
            if isinstance(target, list) and index < len(target) and type(target[index]) in (int, float):
                target[index] = number
    names = [f"column_{i + 1}" if v is None else str(v).strip() for i, v in enumerate(header)]
    rows = max((_filled_rows(column) for column in columns), default=0)  # empty rows at the end dropped
    arrays = [text_column(column[:rows]) if isinstance(column, list) else column.array(rows) for column in columns]
    arrays.append(row_refs(file_name, rows))
    return pa.Table.from_arrays(arrays, names=[*names, ROW_REF])


# Python's str.isspace() characters (blank text is null, as ``not value.strip()`` was), as an RE2 class.
_BLANK = r"^[\t-\r\x1c-\x1f\x85\p{Z}]*$"


class _Text:
    """A column of text cells only: ``blank`` marks the blank ones (null, as the old reader made them)."""

    def __init__(self, values: tuple, array: pa.Array, blank: np.ndarray | None) -> None:
        self.values, self.whole, self.blank = values, array, blank

    def filled_rows(self) -> int:
        if self.blank is None:
            return len(self.values)
        filled = np.flatnonzero(~self.blank)
        return int(filled[-1]) + 1 if len(filled) else 0

    def array(self, rows: int) -> pa.Array:
        """The first ``rows`` values as strings (built as ``text_column`` builds them: same bytes)."""
        if self.blank is None and rows == len(self.values):
            return self.whole
        blank = self.blank[:rows] if self.blank is not None else None
        return pa.array(self.values[:rows], type=pa.string(),
                        mask=blank if blank is not None and blank.any() else None)


def _text_only(values: tuple) -> _Text | None:
    """The column as text (``None`` if any cell is not text: a number, date or boolean)."""
    try:
        array = pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    blank = pc.match_substring_regex(array, _BLANK)
    return _Text(values, array, blank.to_numpy(zero_copy_only=False) if pc.any(blank).as_py() else None)


def _filled_rows(column: list | _Text) -> int:
    """Rows up to the column's last non-null value."""
    if isinstance(column, _Text):
        return column.filled_rows()
    rows = len(column)
    while rows and column[rows - 1] is None:
        rows -= 1
    return rows


_MIDNIGHT = dt.time(0)
_EXACT_INT = 2**53


def _number(value: float) -> int | float:
    # openpyxl: a cell text without "." or exponent is an int; whole floats below 2**53 are exact.
    return int(value) if value.is_integer() and -_EXACT_INT < value < _EXACT_INT else value


def _cells(values: tuple) -> tuple[list, bool]:
    """One column's calamine values as openpyxl's after the old reader's cleaning (blank text -> null,
    midnight -> date), and whether any number is whole (its cell text then decides int or float)."""
    kinds = set(map(type, values))
    if kinds <= {str}:  # the common case: text only
        return [v if v and not v.isspace() else None for v in values], False
    integral = float in kinds and any(map(float.is_integer, (v for v in values if type(v) is float)))
    out = []
    for v in values:
        kind = type(v)
        if kind is str:
            out.append(v if v and not v.isspace() else None)
        elif kind is float:
            # openpyxl: a cell text without "." or exponent is an int; whole floats below 2**53 are exact.
            out.append(int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else v)
        elif kind is dt.datetime and v.time() == _MIDNIGHT:
            out.append(v.date())  # spreadsheets store dates as date-times: a midnight is a date typed
        else:
            out.append(v)  # date, datetime, time, timedelta, bool
    return out, integral


def _header_cells(values: list) -> tuple[list, bool]:
    """The header row as openpyxl gave it (names are ``str(value)``: a date cell reads "2025-01-01 00:00:00")."""
    out = []
    integral = False
    for v in values:
        if type(v) is float:
            integral = integral or v.is_integer()
            out.append(_number(v))
        elif type(v) is dt.date:
            out.append(dt.datetime.combine(v, _MIDNIGHT))
        else:
            out.append(None if v == "" else v)
    return out, integral


class _SheetXml:
    """The raw XML of one worksheet, for the cells calamine cannot give as openpyxl did.

    calamine returns every number as a float (``2024`` and ``2024.0`` alike, 18 digits rounded) and an
    error cell (``#N/A``) as empty; openpyxl kept the cell text's form and the error code. Only the
    sheet's XML still says which, so those few cells are looked up there with byte searches (the XML is
    found through the workbook's relationships; ``b""`` when it cannot be found: nothing is looked up).
    """

    _REF = re.compile(rb"\sr=[\"']([A-Z]{1,3})(\d+)[\"']")
    _PREFIX = re.compile(rb"<(\w+:)?sheetData\b")

    def __init__(self, raw: bytes, sheet: str) -> None:
        self.xml = _sheet_part(raw, sheet) if raw else b""
        found = self._PREFIX.search(self.xml)
        prefix = (found[1] or b"") if found else b""  # the sheet's namespace prefix ("x:" in some exports)
        self.cell_open, self.cell_close = b"<" + prefix + b"c", b"</" + prefix + b"c>"
        v_open, v_close = re.escape(b"<" + prefix + b"v>"), re.escape(b"</" + prefix + b"v>")
        # Number texts whose openpyxl value a float does not give: a whole number written with a point or
        # an exponent (openpyxl: a float, "74.0") and 16+ digits (openpyxl: the exact int).
        self.ambiguous = re.compile(v_open + rb"([-+]?\d*\.0*|[^<]*[eE][^<]*|[-+]?\d{16,})" + v_close)
        self.value = re.compile(v_open + rb"([^<]*)" + v_close)
        # The error-cell attribute, in the quotes the exporter uses (the first row's: ' or ").
        ref = self.xml.find(b" r=", found.end() if found else 0)
        quote = b"'" if ref >= 0 and self.xml[ref + 3:ref + 4] == b"'" else b'"'
        self.error_mark = b" t=" + quote + b"e" + quote

    def _cell_at(self, pos: int) -> tuple[tuple[int, int], int] | None:
        """(row from 0, column from 0) and end of the start tag of the cell that contains ``pos``."""
        start = self.xml.rfind(self.cell_open, 0, pos)
        while start >= 0 and self.xml[start + len(self.cell_open):start + len(self.cell_open) + 1] not in b" \t\r\n>/":
            start = self.xml.rfind(self.cell_open, 0, start)  # "<cols", "<col": not a cell
        if start < 0 or self.xml.find(self.cell_close, start, pos) >= 0:
            return None
        end = self.xml.find(b">", start)
        ref = self._REF.search(self.xml, start, end)
        if ref is None:
            return None
        col = 0
        for letter in ref[1].decode():
            col = col * 26 + ord(letter) - 64
        return (int(ref[2]) - 1, col - 1), end

    def error_cells(self) -> dict[tuple[int, int], str]:
        """(row from 0, column from 0) -> error code of each error cell (attribute ``t="e"``)."""
        out = {}
        pos = self.xml.find(self.error_mark)
        while pos >= 0:
            cell = self._cell_at(pos)
            if cell is not None and pos < cell[1] and self.xml[cell[1] - 1:cell[1]] != b"/":  # not <c .../>
                value = self.value.search(self.xml, cell[1], self.xml.find(self.cell_close, cell[1]))
                if value is not None:
                    out[cell[0]] = _xml_text(value[1])
            pos = self.xml.find(self.error_mark, pos + 1)
        return out

    def numbers(self) -> dict[tuple[int, int], int | float]:
        """(row from 0, column from 0) -> openpyxl's value of each number text a float cannot tell."""
        out = {}
        for match in self.ambiguous.finditer(self.xml):
            cell = self._cell_at(match.start())
            text = match[1].decode()
            if cell is not None:
                try:
                    out[cell[0]] = float(text) if any(c in text for c in ".eE") else int(text)
                except ValueError:
                    continue
        return out


def _xml_text(value: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(value.decode("utf-8"), {"&quot;": '"', "&apos;": "'"})


def _sheet_part(raw: bytes, sheet: str) -> bytes:
    """The XML of the named worksheet (found through the workbook's relationships), ``b""`` if not found."""
    import posixpath
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            book_part = "xl/workbook.xml"
            if "_rels/.rels" in names:
                for node in ElementTree.fromstring(archive.read("_rels/.rels")):
                    if (node.get("Type") or "").endswith("/officeDocument") and node.get("Target"):
                        book_part = node.get("Target").lstrip("/")
            book = ElementTree.fromstring(archive.read(book_part))
            rid = next((value for node in book.iter() if node.tag.endswith("}sheet") and node.get("name") == sheet
                        for key, value in node.attrib.items() if key.endswith("}id")), None)
            base, leaf = posixpath.split(book_part)
            rels = ElementTree.fromstring(archive.read(posixpath.join(base, "_rels", leaf + ".rels")))
            target = next((node.get("Target") for node in rels if node.get("Id") == rid), None) or ""
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            return archive.read(part) if target and part in names else b""
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError):
        return b""


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
