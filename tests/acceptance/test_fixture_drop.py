"""Issue #5 acceptance: a hand-written SIASN-export file drop gives exactly the expected quarantine and fix file.

``fixtures/siasn_drop/`` is a drop folder in the ``siasn_export`` dialect (comma, UTF-8, DD-MM-YYYY), written
by hand: clean rows plus one row per row-defect class of the generator (two for the duplicate NIP pair),
each row's NIP, NIK, dates and codes chosen so that it breaks exactly one thing. It is synced as source
p006 through the real file connector, harmonizer and GX suites; the quarantine must hold exactly the rows
and rules of :data:`EXPECTED`, and the fix file a BKD clerk opens must list exactly those rows, in the
source's own column names, with the row number in the file.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from talenta.reports.fixes import HEADERS, fix_rows, write_fix_files
from talenta.sources.dialects import get_dialect
from talenta.sources.sync import sync_shard

from .conftest import read_zone

FIXTURE = Path(__file__).parent / "fixtures" / "siasn_drop"
SOURCE = "p006"  # a siasn_export source of the registry (instansi P006, region 31)
DAY = "2025-12-01"

# source_row_ref → (defect class written into that row, the exact rules the row must fail).
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "pegawai_20251201.csv:4": ("duplicate_nip (first copy)", {"nip_unique"}),
    "pegawai_20251201.csv:5": ("duplicate_nip (second copy)", {"nip_unique"}),
    "pegawai_20251201.csv:6": ("nip_impossible_date (month 13)", {"nip_birth_date_valid"}),
    "pegawai_20251201.csv:7": ("nip_wrong_gender_digit (3)", {"nip_gender_digit"}),
    "pegawai_20251201.csv:8": ("nip_wrong_length (17 digits)", {"nip_format"}),
    "pegawai_20251201.csv:9": ("nip_mangled (1.98901E+17)", {"nip_mangled"}),
    "pegawai_20251201.csv:10": ("nip_birth_mismatch", {"nip_birth_matches"}),
    "pegawai_20251201.csv:11": ("missing_mandatory (NAMA)", {"mandatory_fields"}),
    "pegawai_20251201.csv:12": ("unknown_golongan (III/f)", {"golongan_valid"}),
    "pegawai_20251201.csv:13": ("unknown_education (S-9)", {"education_known"}),
    "pegawai_20251201.csv:14": ("golongan_impossible_for_type (PNS with XIII)", {"golongan_valid"}),
    "pegawai_20251201.csv:15": ("future_date (TMT JABATAN 2027)", {"dates_valid"}),
    # TMT CPNS before birth also contradicts the NIP's CPNS year-month and gives a negative age.
    "pegawai_20251201.csv:16": ("inverted_dates", {"dates_in_order", "nip_tmt_cpns_matches", "cpns_age_plausible"}),
    "pegawai_20251201.csv:18": ("bad_encoding (invalid UTF-8 in NAMA)", {"value_readable"}),
    "skp_20251201.csv:2": ("predikat_inconsistent", {"predikat_matches_matrix"}),
    "asesmen_20251201.csv:2": ("jpm_out_of_range (112.5)", {"jpm_range"}),
    "hukdis_20251201.csv:2": ("inverted_dates (AKHIR HUKUMAN before TANGGAL SK)", {"dates_in_order"}),
}
# Accepted rows and the warnings they must carry: the clean rows (row 3 is a PPPK appointed at 44, which
# the CPNS age limit must not touch) and the warning-only class.
ACCEPTED: dict[str, set[str]] = {
    "pegawai_20251201.csv:1": set(), "pegawai_20251201.csv:2": set(), "pegawai_20251201.csv:3": set(),
    "pegawai_20251201.csv:17": {"active_past_bup"},  # age_past_bup: accepted, flagged
    "skp_20251201.csv:1": set(), "asesmen_20251201.csv:1": set(), "hukdis_20251201.csv:1": set(),
}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fixture drop synced as p006 into a fresh lake (the fixture folder itself is never written)."""
    base = tmp_path_factory.mktemp("drop")
    drop = base / "drop"
    shutil.copytree(FIXTURE, drop)
    conns = base / "connections.json"
    conns.write_text(json.dumps({f"talenta_src_{SOURCE}": {"conn_type": "fs", "extra": {"path": str(drop)}}}))
    lake = base / "lake"
    summary = sync_shard([SOURCE], DAY, lake_root=lake, connections_file=conns)
    return {"summary": summary, "lake": lake, "base": base,
            "quarantine": read_zone(lake, "quarantine", DAY), "silver": read_zone(lake, "silver", DAY)}


def test_quarantine_holds_exactly_the_defective_rows_and_rules(synced: dict) -> None:
    q = synced["quarantine"]
    got = {r.source_row_ref: set(r.failed_checks) for r in q.itertuples()}
    want = {ref: rules for ref, (_, rules) in EXPECTED.items()}
    assert got == want, "\n".join(f"{ref} ({EXPECTED.get(ref, ('clean',))[0]}): got {got.get(ref)}, "
                                  f"want {want.get(ref)}" for ref in sorted(set(got) | set(want))
                                  if got.get(ref) != want.get(ref))
    assert set(q["source_id"]) == {SOURCE} and set(q["run_id"]) == {f"sync_{DAY}"}
    # Every reason names its rule, and the NIP is kept as received (even when it is not a NIP).
    for r in q.itertuples():
        assert {s.split("]")[0].lstrip("[") for s in r.reasons} == set(r.failed_checks), r.reasons
    nips = dict(zip(q["source_row_ref"], q["nip"], strict=True))
    assert nips["pegawai_20251201.csv:9"] == "1.98901E+17" and nips["pegawai_20251201.csv:8"] == "19880101201101100"


def test_clean_and_warning_rows_are_accepted(synced: dict) -> None:
    s = synced["silver"]
    got = {r.source_row_ref: set(r.dq_warnings) for r in s.itertuples()}
    assert got == ACCEPTED
    summary = synced["summary"]
    assert summary["succeeded"] == [SOURCE] and not summary["held"]
    assert summary["rows_extracted"] == len(EXPECTED) + len(ACCEPTED) == summary["rows_accepted"] + \
        summary["rows_quarantined"]


def test_fix_file_rows_in_the_source_layout(synced: dict) -> None:
    """The fix file: one row per quarantined row, row number in the file, rules, hints, vendor columns."""
    q = synced["quarantine"].sort_values("source_row_ref", key=lambda x: x.map(_ref_order)).reset_index(drop=True)
    columns, rows = fix_rows(q, dialect="siasn_export")
    vendor = get_dialect("siasn_export").entities["employee"].columns
    assert columns[:len(HEADERS)] == list(HEADERS)
    assert {vendor["nip"], vendor["name"], vendor["golongan"], vendor["tmt_cpns"]} <= set(columns)
    assert "nip" not in columns[len(HEADERS):] and "golongan" not in columns[len(HEADERS):]
    assert [r["source_row_ref"] for r in rows] == sorted(EXPECTED, key=_ref_order)
    by_ref = {r["source_row_ref"]: r for r in rows}
    for ref, (_, rules) in EXPECTED.items():
        row = by_ref[ref]
        assert row["row_number"] == ref.split(":")[1]
        assert set(row["failed_rules"].split("; ")) == rules
        assert all(f"[{rule}]" in row["what_to_do"] for rule in rules)
    # Values as the clerk typed them, under the clerk's column names.
    assert by_ref["pegawai_20251201.csv:9"][vendor["nip"]] == "1.98901E+17"
    assert by_ref["pegawai_20251201.csv:12"][vendor["golongan"]] == "III/f"
    assert by_ref["pegawai_20251201.csv:11"][vendor["name"]] == ""
    assert "Kurnia" in by_ref["pegawai_20251201.csv:18"][vendor["name"]]

    out = write_fix_files(synced["base"] / "reports", q, dialect="siasn_export")
    with out["csv"].open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r[HEADERS["source_row_ref"]] for r in table] == sorted(EXPECTED, key=_ref_order)
    xlsx = pd.read_excel(out["xlsx"], sheet_name=None, dtype=str)
    assert {name: len(frame) for name, frame in xlsx.items()} == {
        "employee": 14, "performance": 1, "assessment": 1, "discipline": 1}


def _ref_order(ref: str) -> tuple[str, int]:
    name, _, number = ref.rpartition(":")
    return name, int(number)


def test_latin1_stray_bytes_are_unreadable_not_text(tmp_path: Path) -> None:
    """In a Latin-1 drop every byte decodes, so stray 0x80-0x9F bytes must still be reported unreadable."""
    from talenta.sources.connectors.files import FileConnector
    from talenta.sources.harmonize import harmonize

    dialect = get_dialect("simpeg_legacy_csv")
    cols = dialect.entities["employee"].columns
    drop = tmp_path / "drop"
    drop.mkdir()
    header = list(cols.values())
    good = {c: "" for c in header} | {cols["nip"]: "198503122010011001", cols["name"]: "Andi Saputra"}
    bad = dict(good) | {cols["nip"]: "199002202015032002", cols["name"]: "Siti \x81\x8dRahma"}
    sep = dialect.delimiter
    lines = [sep.join(header)] + [sep.join(r[c] for c in header) for r in (good, bad)]
    (drop / f"{dialect.entities['employee'].table}_20251201.csv").write_bytes(
        ("\n".join(lines) + "\n").encode("latin-1"))
    ext = FileConnector("p005", dialect, drop, ingested={}).extract("employee", DAY)
    frame = harmonize(ext.table, dialect, "employee", source_id="p005", run_id="r1")
    errors = frame["parse_errors"].tolist()
    assert frame["name"].tolist()[0] == "Andi Saputra" and pd.isna(errors[0])
    assert pd.isna(frame["name"].tolist()[1]) and json.loads(errors[1]) == {"name": "Siti \x81\x8dRahma"}
    assert frame["source_row_ref"].tolist()[1].endswith(":2")
