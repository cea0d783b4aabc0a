"""File-drop connector: every layout the synth writes, and every broken-file case."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from talenta.sources.connectors.files import FileConnector
from talenta.sources.dialects import get_dialect
from talenta.sources.errors import BrokenFileError, SchemaDriftError
from talenta.sources.harmonize import harmonize

DATE = "2025-12-01"


def drop(world, sid):
    return world / "sources" / sid / "drop"


def reader(world, sid, dialect, **kw):
    return FileConnector(sid, get_dialect(dialect), drop(world, sid), **kw)


@pytest.mark.parametrize(("sid", "dialect"), [("p005", "simpeg_legacy_csv"), ("p006", "siasn_export"),
                                              ("p002", "simpeg_xlsx")])
def test_every_layout_reads_the_truth(world, sid, dialect):
    ext = reader(world, sid, dialect).extract("employee", DATE)
    frame = harmonize(ext.table, get_dialect(dialect), "employee", source_id=sid, run_id="r")
    truth = pq.read_table(world / "truth" / "employee.parquet").to_pandas()
    truth = truth[truth.source_id == sid].sort_values("nip")
    assert sorted(frame.nip) == list(truth.nip)
    got = frame.set_index("nip").loc[list(truth.nip)]
    assert list(got.golongan) == list(truth.golongan)
    assert list(got.birth_date.dt.date) == list(truth.birth_date)
    assert ext.manifest["content_hash"] and ext.manifest["file"].endswith((".csv", ".xlsx"))
    assert frame.source_row_ref.iloc[0].endswith(":1")


def _pegawai(world, sid="p006"):
    return next(drop(world, sid).glob("pegawai_*.csv"))


def test_bad_bytes_everywhere_fail_with_line_and_encoding(world):
    path = _pegawai(world)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\xff\xfe\n"))
    with pytest.raises(BrokenFileError) as err:
        reader(world, "p006", "siasn_export").extract("employee", DATE)
    assert path.name in str(err.value) and "utf-8" in str(err.value) and "line 1" in str(err.value)


def test_isolated_bad_bytes_keep_the_row_and_flag_it(world):
    path = _pegawai(world)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b",", b"\xff,", 1)
    path.write_bytes(b"\n".join(lines))
    ext = reader(world, "p006", "siasn_export").extract("employee", DATE)
    frame = harmonize(ext.table, get_dialect("siasn_export"), "employee", source_id="p006", run_id="r")
    assert len(frame) == len(lines) - 2
    assert frame.parse_errors.notna().sum() == 1 and "\ufffd" in frame.parse_errors.dropna().iloc[0]


def test_truncated_file_is_not_half_loaded(world):
    path = _pegawai(world)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20])
    with pytest.raises(BrokenFileError, match="not terminated"):
        reader(world, "p006", "siasn_export").extract("employee", DATE)


def test_row_with_missing_fields_is_named(world):
    path = _pegawai(world)
    lines = path.read_text().split("\n")
    lines[3] = ",".join(lines[3].split(",")[:5])
    path.write_text("\n".join(lines))
    with pytest.raises(BrokenFileError) as err:
        reader(world, "p006", "siasn_export").extract("employee", DATE)
    assert f"{path.name}:3" in str(err.value) and "5 fields" in str(err.value)


def test_empty_csv_and_xlsx(world):
    _pegawai(world).write_bytes(b"")
    with pytest.raises(BrokenFileError, match="empty"):
        reader(world, "p006", "siasn_export").extract("employee", DATE)
    next(drop(world, "p002").glob("Pegawai_*.xlsx")).write_bytes(b"")
    with pytest.raises(BrokenFileError, match="empty"):
        reader(world, "p002", "simpeg_xlsx").extract("employee", DATE)


def test_half_written_xlsx_and_temp_names(world):
    path = next(drop(world, "p002").glob("Pegawai_*.xlsx"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BrokenFileError, match="not a complete XLSX"):
        reader(world, "p002", "simpeg_xlsx").extract("employee", DATE)
    # A copy still being written under a temporary name is never picked up.
    path.rename(path.with_name(path.name + ".part"))
    ext = reader(world, "p002", "simpeg_xlsx").extract("employee", DATE)
    assert ext.skipped and "still being written" in ext.skipped and ext.rows == 0


def test_extra_column_kept_missing_column_named(world):
    path = _pegawai(world)
    lines = path.read_text().rstrip("\n").split("\n")
    path.write_text("\n".join([lines[0] + ",KETERANGAN"] + [ln + ",catatan" for ln in lines[1:]]) + "\n")
    ext = reader(world, "p006", "siasn_export").extract("employee", DATE)
    frame = harmonize(ext.table, get_dialect("siasn_export"), "employee", source_id="p006", run_id="r")
    assert set(frame.extra) == {'{"KETERANGAN": "catatan"}'}
    # An optional column (NIK) may go missing: its values are null and a warning names it.
    warnings: list[str] = []
    frame = harmonize(ext.table.drop_columns(["NIK"]), get_dialect("siasn_export"), "employee",
                      source_id="p006", run_id="r", warnings=warnings)
    assert frame.nik.isna().all() and frame.nip.notna().all() and len(frame) == ext.rows
    assert len(warnings) == 1 and "'NIK'" in warnings[0] and "siasn_export" in warnings[0]
    # A required one (the key NIP, or a mandatory field like GOL AKHIR) fails with its name and the dialect.
    for column in ("NIP", "GOL AKHIR"):
        with pytest.raises(SchemaDriftError) as err:
            harmonize(ext.table.drop_columns([column]), get_dialect("siasn_export"), "employee",
                      source_id="p006", run_id="r")
        assert f"'{column}'" in str(err.value) and "siasn_export" in str(err.value) and "required" in str(err.value)


def test_file_is_ingested_once_but_rerun_of_its_date_reads_it(world):
    first = reader(world, "p006", "siasn_export").extract("employee", DATE)
    ingested = {first.manifest["content_hash"]: DATE}
    assert reader(world, "p006", "siasn_export", ingested=ingested).extract("employee", DATE).rows == first.rows
    later = reader(world, "p006", "siasn_export", ingested=ingested).extract("employee", "2025-12-02")
    assert later.rows == 0 and "already ingested for 2025-12-01" in later.skipped
