"""XLSX drop files: the calamine reader gives bronze exactly as the earlier openpyxl reader did.

``_openpyxl_read`` is that earlier reader (openpyxl, cell by cell), kept here as the reference: every
workbook below is read by both and the Arrow tables must be identical, byte for byte. The workbooks are
real files, written with openpyxl and with the synthetic generator's SpreadsheetML writer.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import Workbook, load_workbook

from talenta.sources.connectors.base import string_table
from talenta.sources.connectors.files import read_xlsx, row_refs
from talenta.sources.errors import BrokenFileError
from talenta.synth.writers import _XLSX_STATIC, _ZIP_TIME


def _openpyxl_read(path: Path) -> pa.Table:
    """The reader before calamine (talenta 0.1, openpyxl read-only), less its error handling."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header_row = next(rows)
        width = max(i + 1 for i, v in enumerate(header_row) if v is not None)
        header = [str(v).strip() if v is not None else f"column_{i + 1}" for i, v in enumerate(header_row[:width])]
        body = []
        for row in rows:
            values = [_old_cell(v) for v in row[:width]]
            body.append(values + [None] * (width - len(values)))
    finally:
        book.close()
    while body and all(v is None for v in body[-1]):
        body.pop()
    return string_table(header, body, row_refs(path.name, len(body)))


def _old_cell(value: object) -> object:
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _same_as_openpyxl(path: Path) -> pa.Table:
    new = read_xlsx(path, source_id="s", data=path.read_bytes())
    assert _ipc(new) == _ipc(_openpyxl_read(path))
    return new


def _column(table: pa.Table, name: str) -> list:
    return table[name].to_pylist()


def _sheet_xml(path: Path, rows: str, shared: list[str] | None = None) -> Path:
    """A workbook whose first sheet's <sheetData> is ``rows`` (cell XML as another exporter writes it)."""
    parts = dict(_XLSX_STATIC)
    parts["xl/workbook.xml"] = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Pegawai" sheetId="1" r:id="rId1"/></sheets></workbook>')
    parts["xl/worksheets/sheet1.xml"] = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{rows}</sheetData></worksheet>")
    if shared is not None:
        parts["xl/sharedStrings.xml"] = (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in shared) + "</sst>")
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            "</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return path


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def test_openpyxl_workbook_numbers_dates_and_blanks_as_before(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["NIP Baru", "NIK", "Tanggal Lahir", "Diperbarui", "JPM (%)", "Tahun", "Jam", "Durasi", "Aktif",
                  "Catatan"])
    sheet.append([199001012015031001, 3201010101900001, dt.date(1990, 1, 1), dt.datetime(2025, 11, 30, 8, 15, 30),
                  86.0, 2024, dt.time(7, 30), dt.timedelta(hours=30), True, "  "])
    sheet.append([123456789012345, -0.0, dt.datetime(2001, 2, 3), dt.datetime(2020, 5, 6, 10, 11, 12, 345678),
                  72.74, 1 / 3, dt.time(0, 0), dt.timedelta(0), False, "#N/A"])
    sheet.append([None, 1e20, dt.date(1900, 1, 15), dt.datetime(2020, 5, 6, 23, 59, 59, 999999), 0.5, 2**53 + 1,
                  None, None, None, "=1+1"])  # (the time rounds to the next midnight: a date)
    sheet.append([None, "", " ", None, None, None, None, None, None, None])  # blank: dropped at the end
    path = tmp_path / "Pegawai_20251201.xlsx"
    book.save(path)
    table = _same_as_openpyxl(path)
    assert table.num_rows == 3
    # openpyxl writes numbers with 16 significant digits: an 18-digit NIP typed as a number is already
    # rounded in the file, and comes out as openpyxl read it.
    assert _column(table, "NIP Baru") == ["1.99001012015031e+17", "123456789012345", None]
    assert _column(table, "NIK") == ["3201010101900001", "0", "1e+20"]
    assert _column(table, "Tanggal Lahir") == ["1990-01-01", "2001-02-03", "1900-01-15"]
    assert _column(table, "Diperbarui") == ["2025-11-30 08:15:30", "2020-05-06 10:11:12.346000", "2020-05-07"]
    assert _column(table, "JPM (%)") == ["86", "72.74", "0.5"]  # openpyxl writes 86.0 as "86"
    assert _column(table, "Tahun") == ["2024", "0.3333333333333333", "9007199254740992"]
    assert _column(table, "Jam") == ["07:30:00", "00:00:00", None]
    assert _column(table, "Durasi") == ["1 day, 6:00:00", "0:00:00", None]
    assert _column(table, "Aktif") == ["True", "False", None]
    assert _column(table, "Catatan") == [None, "#N/A", None]  # an error code stays; no cached formula value


def test_cell_texts_of_other_writers_kept_exactly(tmp_path):
    """Whole numbers written as "74.0", exact 18-digit NIPs, error cells, shared strings, a numeric header."""
    rows = (
        '<row r="1">' + _inline("A1", "NIP Baru") + _inline("B1", "JPM (%)") + '<c r="C1"><v>2024</v></c>'
        + '<c r="D1" t="s"><v>0</v></c>' + _inline("E1", "Nilai") + "</row>"
        '<row r="2"><c r="A2"><v>199001012015031001</v></c><c r="B2"><v>74.0</v></c><c r="C2"><v>1E3</v></c>'
        '<c r="D2" t="s"><v>1</v></c><c r="E2" t="e"><v>#DIV/0!</v></c></row>'
        '<row r="3"><c r="A3" t="n"><v>199001012015031002</v></c><c r="B3"><v>100.</v></c><c r="C3"><v>-0.0</v></c>'
        '<c r="D3" t="str"><f>A1</f><v>1.0</v></c><c r="E3"><v>88.25</v></c></row>'
        '<row r="4"><c r="A4"><v>0199001012015031003</v></c><c r="B4"><v>61</v></c><c r="C4"><v>2.5e1</v></c>'
        '<c r="D4" t="b"><v>1</v></c><c r="E4" t="e"><f>NA()</f><v>#N/A</v></c></row>'
        '<row r="5"><c r="A5" t="d"><v>2025-01-02T00:00:00</v></c><c r="B5" t="d"><v>2025-01-02T10:11:12</v></c></row>'
    )
    path = _sheet_xml(tmp_path / "Pegawai_20251201.xlsx", rows, shared=["Kode", "  Biro Umum "])
    table = _same_as_openpyxl(path)
    assert table.column_names[:5] == ["NIP Baru", "JPM (%)", "2024", "Kode", "Nilai"]
    assert _column(table, "NIP Baru") == ["199001012015031001", "199001012015031002", "199001012015031003",
                                          "2025-01-02"]
    assert _column(table, "JPM (%)") == ["74.0", "100.0", "61", "2025-01-02 10:11:12"]
    assert _column(table, "2024") == ["1000.0", "-0.0", "25.0", None]
    assert _column(table, "Kode") == ["  Biro Umum ", "1.0", "True", None]
    assert _column(table, "Nilai") == ["#DIV/0!", "88.25", "#N/A", None]


def test_every_xlsx_of_the_synthetic_world_as_before(world):
    paths = sorted((world / "sources").rglob("*.xlsx"))
    assert paths
    for path in paths:
        _same_as_openpyxl(path)


def test_values_right_of_the_header_name_the_row(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["NIP Baru", "Nama"])
    sheet.append(["199001012015031001", "Budi"])
    sheet.append(["199001012015031002", "Sari", None, "lupa dihapus"])
    path = tmp_path / "Pegawai_20251201.xlsx"
    book.save(path)
    with pytest.raises(BrokenFileError) as err:
        read_xlsx(path, source_id="p002")
    assert f"{path.name}:2" in str(err.value) and "beyond the 2 header columns" in str(err.value)
    # An error cell right of the table counts as a value too.
    rows = ('<row r="1">' + _inline("A1", "NIP Baru") + '</row><row r="2"><c r="A2"><v>1</v></c></row>'
            '<row r="3"><c r="A3"><v>2</v></c><c r="C3" t="e"><v>#REF!</v></c></row>')
    with pytest.raises(BrokenFileError, match=r"Pegawai_20251202\.xlsx:2: data row 2 has values beyond"):
        read_xlsx(_sheet_xml(tmp_path / "Pegawai_20251202.xlsx", rows), source_id="p002")


def test_header_row_and_first_worksheet(tmp_path):
    book = Workbook()
    book.active["A2"] = "NIP Baru"  # the header must be in row 1
    path = tmp_path / "Pegawai_20251201.xlsx"
    book.save(path)
    with pytest.raises(BrokenFileError, match="no header row"):
        read_xlsx(path, source_id="p002")
    book = Workbook()
    book.active.append(["NIP Baru", None, "Nama"])  # a header alone: no rows; an unnamed column gets a name
    book.create_chartsheet("Grafik", 0)  # a chart sheet in front is not the first worksheet
    book.save(path)
    table = read_xlsx(path, source_id="p002")
    assert table.num_rows == 0 and table.column_names == ["NIP Baru", "column_2", "Nama", "source_row_ref"]


def test_damaged_workbook_is_named_not_half_loaded(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["NIP Baru", "Nama"])
    for i in range(2000):
        sheet.append([f"19900101201503{i:04d}", f"Pegawai {i}"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle] ^= 0xFF  # one flipped byte inside the sheet's compressed data
    path = tmp_path / "Pegawai_20251201.xlsx"
    with pytest.raises(BrokenFileError) as err:
        read_xlsx(path, source_id="p002", data=bytes(data))
    assert path.name in str(err.value) and "damaged" in str(err.value) and "drop the complete file" in str(err.value)
