"""Harmonization of vendor spellings into canonical codes, dates and parse errors."""

from __future__ import annotations

import json

import pandas as pd

from talenta.sources.dialects import get_dialect
from talenta.sources.harmonize import harmonize


def _frame(dialect_name: str, rows: list[dict]) -> pd.DataFrame:
    dialect = get_dialect(dialect_name)
    cols = list(dialect.entities["employee"].columns.values())
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], dtype="string")
    frame["source_row_ref"] = [f"f.csv:{i}" for i in range(1, len(rows) + 1)]
    return frame


def test_golongan_education_gender_spellings_and_nip_spaces():
    rows = [
        {"NIP Baru": "19850101 201001 1 001", "Pangkat Golongan": "Penata, III/c", "Jenis ASN": "PNS",
         "Pendidikan Terakhir": "S-1 / Sarjana", "Jenis Kelamin": "Laki-laki", "Tanggal Lahir": "1985-01-01"},
        {"NIP Baru": "199001012024212001", "Pangkat Golongan": "Golongan IX", "Jenis ASN": "PPPK",
         "Pendidikan Terakhir": "S1", "Jenis Kelamin": "Perempuan", "Tanggal Lahir": "2000-02-29"},
        {"NIP Baru": "1.98501E+17", "Pangkat Golongan": "IIIc", "Jenis ASN": "PNS",
         "Pendidikan Terakhir": "Sarjana Kucing", "Jenis Kelamin": "L", "Tanggal Lahir": "31-02-1999"},
    ]
    out = harmonize(_frame("simpeg_xlsx", rows), get_dialect("simpeg_xlsx"), "employee", source_id="p002",
                    run_id="r1")
    assert list(out.nip) == ["198501012010011001", "199001012024212001", "1.98501E+17"]
    assert list(out.golongan) == ["III/c", "IX", "III/c"]
    assert list(out.gender) == ["L", "P", "L"]
    assert out.education_level.iloc[0] == out.education_level.iloc[1] is not None
    assert str(out.birth_date.iloc[1].date()) == "2000-02-29"
    errors = json.loads(out.parse_errors.iloc[2])
    assert errors == {"birth_date": "31-02-1999", "education_level": "Sarjana Kucing"}
    assert pd.isna(out.parse_errors.iloc[0]) and list(out.source_row_ref) == ["f.csv:1", "f.csv:2", "f.csv:3"]
    assert set(out.run_id) == {"r1"} and out.extra.isna().all()


def test_siasn_numeric_codes_and_dmy_dates():
    rows = [{"PEG_NIP": "198501012010011001", "GOL_ID": "33", "PEG_JENIS": "PNS", "PEG_JK": "1",
             "PDK_ID": "40", "PEG_TGL_LAHIR": "01-01-1985", "KED_ID": "1", "TGL_UBAH": "02-12-2025 10:11:12"}]
    out = harmonize(_frame("sql_simpeg_legacy", rows), get_dialect("sql_simpeg_legacy"), "employee",
                    source_id="p016", run_id="r")
    assert out.golongan.iloc[0] == "III/c" and out.gender.iloc[0] == "L" and out.status.iloc[0] == "01"
    assert str(out.birth_date.iloc[0].date()) == "1985-01-01"
    assert str(out.updated_at.iloc[0]) == "2025-12-02 10:11:12"


def test_extra_columns_json_equals_json_dumps_of_each_row():
    # The vectorised map column must be byte for byte what json.dumps(sort_keys, ensure_ascii=False) gives,
    # whatever the text holds; the per-row path (the oracle here) handles the rarer control characters.
    import json

    import pyarrow as pa

    from talenta.sources.harmonize import _extra_json

    nasty = ['plain', None, 'quote " and \\ backslash', 'line\nbreak\r\ttab', 'Ünïcødé – ✓ 中文', '', '\\"',
             'u2028\u2028x', '{"json": [1, 2]}', '   ']
    raw = pa.table({"zeta": nasty, "Alpha": list(reversed(nasty)),
                    "n": pa.array([1, None, 3, 4, 5, 6, 7, 8, 9, 10], pa.int64()),
                    "kunci \"aneh\"": ["x"] * 10})
    cols = ["zeta", "Alpha", "n", "kunci \"aneh\""]

    def oracle(table: pa.Table) -> list[str]:
        values = [table.column(c).cast(pa.string()).to_pylist() for c in cols]
        return [json.dumps(dict(zip(cols, row, strict=True)), ensure_ascii=False, sort_keys=True)
                for row in zip(*values, strict=True)]

    got = _extra_json(raw, cols).to_pylist()
    assert got == oracle(raw)
    assert [json.loads(d)["zeta"] for d in got] == nasty
    control = raw.set_column(0, "zeta", pa.array(["bell\x07", "form\x0cfeed", *nasty[2:]]))
    assert _extra_json(control, cols).to_pylist() == oracle(control)
    assert _extra_json(raw.slice(0, 0), cols).to_pylist() == []
