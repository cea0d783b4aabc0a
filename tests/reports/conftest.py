"""Fixtures: a temporary DuckDB warehouse holding the three report tables with several regions and runs.

The tables have the warehouse contract's shapes (source_sync, quarantined_record, dq_check_result); the
reports read them through an object with ``query_arrow`` like ``talenta.warehouse.db.Warehouse``.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from talenta.sources.dialects import get_dialect
from talenta.sources.registry import get_source

HOSTILE = '<script>alert("x")</script>'
DATES = ["2026-01-29", "2026-01-30", "2026-01-31"]
# Real registry sources: Kota Surabaya (D3578), Provinsi Jawa Timur (D35), Kementerian Sekretariat Negara (P001).
SOURCES = {"d3578": ("3578", "D3578"), "d35": ("35", "D35"), "p001": ("31", "P001")}


class DuckReader:
    """Read side of the warehouse contract over a DuckDB file (until talenta.warehouse.db exists)."""

    def __init__(self, path: Path):
        self.con = duckdb.connect(str(path), read_only=True)

    def query_arrow(self, sql, params=None):
        return self.con.sql(sql).to_arrow_table() if params is None else self.con.execute(sql, params).to_arrow_table()

    def close(self):
        self.con.close()


def vendor_columns(source_id: str) -> dict[str, str]:
    """Canonical → vendor employee column names of the source's registered dialect (records are as received)."""
    return get_dialect(get_source(source_id).dialect).entities["employee"].columns


def _quarantine_rows(source_id: str, day: str, run_id: str) -> list[tuple]:
    """Quarantined employee rows; Surabaya's worsen then improve, Jatim has one hostile record."""
    rows = []
    n = {"d3578": {DATES[0]: 3, DATES[1]: 5, DATES[2]: 2}, "d35": {DATES[0]: 1, DATES[1]: 1, DATES[2]: 1},
         "p001": {DATES[0]: 0, DATES[1]: 0, DATES[2]: 0}}[source_id][day]
    for i in range(n):
        nip = f"1980010120050110{i:02d}" if i else "1.98001E+17"
        if source_id == "d35":
            nip = HOSTILE  # a hostile value as received must render as text in every page
        col = vendor_columns(source_id)
        record = {col["nip"]: nip, col["name"]: f"Pegawai {source_id} {i}", col["birth_date"]: "31/02/1980",
                  col["golongan"]: "IIIc"}
        if source_id == "d35":
            record[col["name"]] = HOSTILE
            record[col["unit_name"]] = "=HYPERLINK(\"http://evil\")"
        checks = ["nip_format"] if i == 0 else ["nip_birth_date_matches", "birth_date_parse"]
        reasons = [f"NIP '{nip}' is not 18 digits; type the NIP as text in the SIMPEG"] if i == 0 else [
            "birth_date '31/02/1980' is not a date in format %d/%m/%Y", "NIP birth date differs from birth_date"]
        rows.append((run_id, source_id, "employee", f"{get_dialect(get_source(source_id).dialect).entities['employee'].table}.csv:{i + 2}", nip, checks, reasons,
                     json.dumps(record), day))
    return rows


def make_warehouse(path: Path) -> Path:
    """Create the three tables in a DuckDB file with three sources and three daily runs."""
    con = duckdb.connect(str(path))
    con.execute("""create table source_sync (run_id varchar, source_id varchar, entity varchar, logical_date date,
        status varchar, rows_extracted bigint, rows_accepted bigint, rows_quarantined bigint, reason varchar,
        error varchar, duration_s double, kind varchar, dialect varchar, region_code varchar, instansi_id varchar)""")
    con.execute("""create table quarantined_record (run_id varchar, source_id varchar, entity varchar,
        source_row_ref varchar, nip varchar, failed_checks varchar[], reasons varchar[], record varchar,
        logical_date date)""")
    con.execute("""create table dq_check_result (run_id varchar, source_id varchar, entity varchar,
        logical_date date, rule varchar, severity varchar, rows_checked bigint, rows_failed bigint,
        passed boolean, example_refs varchar[])""")
    for day in DATES:
        for source_id, (region, instansi) in SOURCES.items():
            run_id = f"{day}T01:00:00+{source_id}"
            q = _quarantine_rows(source_id, day, run_id)
            if q:
                con.executemany("insert into quarantined_record values (?,?,?,?,?,?,?,?,?)", q)
            extracted = 40
            held = source_id == "d35" and day == DATES[2]
            status = "held" if held else "success"
            reason = "critical failure share 0.25 > 0.20" if held else None
            if source_id == "p001" and day == DATES[1]:
                status, reason = "failed", None
            con.execute("insert into source_sync values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        [run_id, source_id, "employee", day, status, extracted, extracted - len(q), len(q), reason,
                         "HTTP 503 from source API" if status == "failed" else None, 1.5, get_source(source_id).kind,
                         get_source(source_id).dialect, region, instansi])
            con.execute("insert into source_sync values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        [run_id, source_id, "performance", day, "success", 10, 10, 0, None, None, 0.5,
                         get_source(source_id).kind, get_source(source_id).dialect, region, instansi])
            by_rule: dict[str, list[str]] = {}
            for row in q:
                for rule in row[5]:
                    by_rule.setdefault(rule, []).append(row[3])
            for rule in ("nip_format", "nip_birth_date_matches", "birth_date_parse", "nik_format"):
                refs = by_rule.get(rule, [])
                con.execute("insert into dq_check_result values (?,?,?,?,?,?,?,?,?,?)",
                            [run_id, source_id, "employee", day, rule, "critical", extracted, len(refs),
                             not refs, refs[:5]])
            con.execute("insert into dq_check_result values (?,?,?,?,?,?,?,?,?,?)",
                        [run_id, source_id, "performance", day, "predikat_matches_matrix", "warning", 10,
                         1 if source_id == "p001" else 0, source_id != "p001",
                         ["penilaian_skp.csv:4"] if source_id == "p001" else []])
    # An earlier, superseded run of Surabaya on the last day: the report must use the later run only.
    con.execute("insert into source_sync values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [f"{DATES[2]}T00:00:00+d3578", "d3578", "employee", DATES[2], "failed", 0, 0, 0, None,
                 "timeout", 1.0, "file_drop", "siasn_export", "3578", "D3578"])
    con.close()
    return path


@pytest.fixture
def warehouse(tmp_path):
    reader = DuckReader(make_warehouse(tmp_path / "wh.duckdb"))
    yield reader
    reader.close()


@pytest.fixture
def built(tmp_path, warehouse):
    """Reports built for the last day into a temporary folder; returns the reports root."""
    from talenta.reports.build import build_reports

    root = tmp_path / "reports" / "dq"
    build_reports(DATES[2], warehouse=warehouse, out_dir=root, include_missing=False)
    return root
