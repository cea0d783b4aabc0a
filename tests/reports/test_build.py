"""Report build: region isolation, escaping, statuses, trend, fix files equal to the quarantine."""

from __future__ import annotations

import csv
import html
import json

import duckdb
import pytest
from openpyxl import load_workbook

from talenta.reports.data import as_list, iso_date, load
from tests.reports.conftest import DATES, HOSTILE, vendor_columns


def _index(root):
    return json.loads((root / "index.json").read_text(encoding="utf-8"))


def test_index_lists_every_file_with_the_owning_scope(built):
    files = _index(built)["files"]
    assert files["national/index.html"]["scope"] == "BKN"
    for source_id, scope in (("d3578", "D3578"), ("d35", "D35"), ("p001", "P001")):
        for name in ("index.html", "errors.csv", "errors.xlsx"):
            assert files[f"{source_id}/{name}"]["scope"] == scope
            assert (built / source_id / name).is_file()
        assert files[f"region/{scope}/index.html"]["sources"] == [source_id]
    on_disk = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()} - {"index.json"}
    assert on_disk == set(files)


def test_region_page_shows_only_its_own_sources(built):
    surabaya = (built / "region/D3578/index.html").read_text(encoding="utf-8")
    jatim = (built / "region/D35/index.html").read_text(encoding="utf-8")
    assert "d3578" in surabaya and "Kota Surabaya" in surabaya
    for other in ("d35/", "p001", "Provinsi Jawa Timur", "Sekretariat Negara", html.escape(HOSTILE)):
        assert other not in surabaya
    assert "d3578" not in jatim and "p001" not in jatim


def test_hostile_values_render_as_text(built):
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text, page
    jatim = (built / "region/D35/index.html").read_text(encoding="utf-8")
    assert html.escape(HOSTILE) in jatim  # the example row shows the NIP as received, escaped


def test_status_follows_the_latest_run_and_held_sources_lead_the_league(built):
    national = (built / "national/index.html").read_text(encoding="utf-8")
    order = [national.index(f"<code>{s}</code>") for s in ("d35", "d3578", "p001")]
    assert order[0] < min(order[1:]), "the held source comes first"
    assert "critical failure share 0.25" in national
    surabaya = (built / "d3578/index.html").read_text(encoding="utf-8")
    # Surabaya's superseded, failed run of the same day must not show; its later run succeeded.
    assert "timeout" not in surabaya and "badge amber" in surabaya


def test_trend_covers_previous_runs(built):
    page = (built / "d3578/index.html").read_text(encoding="utf-8")
    assert "<svg" in page
    for day in DATES:
        assert day in page
    # Surabaya quarantined 3, 5 then 2 of 40 employee + 10 performance rows.
    for share in ("6.0%", "10.0%", "4.0%"):
        assert share in page


def test_failed_rule_shows_count_examples_and_fix(built):
    page = (built / "region/D3578/index.html").read_text(encoding="utf-8")
    assert "nip_birth_date_matches" in page and ".csv:3" in page
    assert vendor_columns("d3578")["nip"] in page  # the field under the vendor's own column name
    assert "Periksa" in page and "Check" in page  # Indonesian hint with its English line
    assert "nik_format" not in page  # a passed rule is not listed on the region page
    assert "nik_format" in (built / "d3578/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("source_id", ["d3578", "d35", "p001"])
def test_fix_file_rows_equal_the_quarantined_rows(built, tmp_path, source_id):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    expected = con.execute(
        "select source_row_ref, nip, failed_checks from quarantined_record where source_id = ? "
        "and logical_date = ? order by source_row_ref", [source_id, DATES[2]]).fetchall()
    con.close()
    with (built / source_id / "errors.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["ref_baris (row ref)"] for r in rows] == [e[0] for e in expected]
    assert [r["aturan_gagal (failed rules)"] for r in rows] == ["; ".join(e[2]) for e in expected]
    for row, exp in zip(rows, expected, strict=True):
        assert row["no_baris (row no.)"] == exp[0].rsplit(":", 1)[1]
        assert row["cara_perbaikan (what to do)"].startswith("[")
        assert row[vendor_columns(source_id)["nip"]] == exp[1]
    sheet_rows = sum(ws.max_row - 1 for ws in load_workbook(built / source_id / "errors.xlsx").worksheets)
    assert sheet_rows == len(expected)


def test_fix_files_never_hold_formulas(built):
    with (built / "d35" / "errors.csv").open(encoding="utf-8-sig", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row[vendor_columns("d35")["unit_name"]].startswith("'=HYPERLINK")
    ws = load_workbook(built / "d35" / "errors.xlsx").worksheets[0]
    cells = [c for r in ws.iter_rows() for c in r if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)


def test_loader_rejects_a_bad_date_and_reads_list_columns(warehouse):
    with pytest.raises(ValueError, match="not an ISO date"):
        load(warehouse, "2026-01-31'; drop table source_sync; --")
    data = load(warehouse, DATES[2])
    assert set(data.sync["source_id"]) == {"d3578", "d35", "p001"}
    assert len(data.sync) == 6  # the superseded run is dropped
    assert iso_date("2026-01-31") == "2026-01-31"
    assert as_list(["a", None]) == ["a"] and as_list('["x","y"]') == ["x", "y"]
    assert as_list("{a,b}") == ["a", "b"] and as_list(None) == []


def test_rebuild_replaces_the_report_set(built, warehouse):
    from talenta.reports.build import build_reports

    (built / "stale.html").write_text("old", encoding="utf-8")
    build_reports(DATES[1], warehouse=warehouse, out_dir=built, include_missing=False)
    assert not (built / "stale.html").exists()
    assert _index(built)["logical_date"] == DATES[1]
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".")]
