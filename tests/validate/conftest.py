"""Small hand-made frames, built through the canonical silver schema, for the validation tests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from talenta.domain.identifiers import make_nik, make_nip
from talenta.domain.schemas import silver_schema

LOGICAL_DATE = "2025-06-01"
RUN_ID = "test-run"
BIRTH = dt.date(1985, 3, 14)


def employee_row(i: int, **changes: Any) -> dict[str, Any]:
    """A clean PNS employee (row ``i``) with ``changes`` applied; valid in every rule."""
    row = {
        "nip": make_nip(BIRTH, 2010, 3, "L", i), "nik": make_nik("357801", BIRTH, "L", i), "name": f"Pegawai {i}",
        "gender": "L", "birth_date": BIRTH, "religion": "1", "employment_type": "PNS", "golongan": "III/c",
        "tmt_golongan": dt.date(2018, 4, 1), "jabatan_name": "Analis SDM", "jabatan_type": "fungsional",
        "jabatan_level": "AHLI_MUDA", "tmt_jabatan": dt.date(2019, 1, 1), "education_level": "S1",
        "education_major": "Manajemen", "unit_name": "BKPSDM", "instansi_id": "D3578", "region_code": "3578",
        "status": "01", "tmt_cpns": dt.date(2010, 3, 1), "updated_at": None,
    }
    return row | changes


def pppk_row(i: int, **changes: Any) -> dict[str, Any]:
    """A clean female PPPK employee."""
    birth = dt.date(1992, 7, 2)
    return employee_row(
        i, nip=make_nip(birth, 2022, 21, "P", i), nik=make_nik("357801", birth, "P", i), gender="P",
        birth_date=birth, employment_type="PPPK", golongan="IX", tmt_cpns=None, tmt_golongan=dt.date(2022, 3, 1),
        jabatan_level="AHLI_PERTAMA", tmt_jabatan=dt.date(2022, 3, 1)) | changes


def performance_row(i: int, **changes: Any) -> dict[str, Any]:
    """A clean SKP rating."""
    return {"nip": make_nip(BIRTH, 2010, 3, "L", i), "year": 2024, "hasil_kerja": "SESUAI",
            "perilaku_kerja": "DI_ATAS", "predikat": "Baik"} | changes


def assessment_row(i: int, **changes: Any) -> dict[str, Any]:
    """A clean assessment-centre result."""
    return {"nip": make_nip(BIRTH, 2010, 3, "L", i), "assessed_on": dt.date(2023, 5, 10), "method": "AC",
            "jpm_pct": 78.5, "potensi_score": 70.0, "kompetensi_manajerial": 75.0,
            "kompetensi_sosiokultural": 80.0, "kompetensi_teknis": 72.0} | changes


def discipline_row(i: int, **changes: Any) -> dict[str, Any]:
    """A clean disciplinary record."""
    return {"nip": make_nip(BIRTH, 2010, 3, "L", i), "decided_on": dt.date(2023, 2, 1), "level": "R",
            "penalty": "teguran lisan", "ends_on": dt.date(2023, 8, 1)} | changes


def vacancy_row(i: int, **changes: Any) -> dict[str, Any]:
    """A clean vacancy."""
    return {"vacancy_id": f"V{i:04d}", "instansi_id": "D3578", "region_code": "3578", "jabatan_name": "Analis",
            "jabatan_type": "fungsional", "jabatan_level": "AHLI_PERTAMA", "min_golongan": "III/a",
            "min_education": "S1", "sector": "pendidikan", "opened_on": dt.date(2025, 1, 15)} | changes


ROWS = {"employee": employee_row, "performance": performance_row, "assessment": assessment_row,
        "discipline": discipline_row, "vacancy": vacancy_row}


def frame(entity: str, rows: list[dict[str, Any]], source_id: str = "D3578", *, file: str = "data.csv",
          start: int = 2) -> pd.DataFrame:
    """Rows → a silver-shaped frame through the canonical Arrow schema, plus ``parse_errors``.

    A row may carry ``parse_errors`` (a dict): it is written as JSON, as a harmonizer would.
    """
    parse = [json.dumps(r.pop("parse_errors")) if r.get("parse_errors") else None for r in rows]
    full = [r | {"source_id": source_id, "source_row_ref": f"{file}:{start + i}", "run_id": RUN_ID, "extra": None}
            for i, r in enumerate(rows)]
    df = pa.Table.from_pylist(full, schema=silver_schema(entity)).to_pandas()
    df["parse_errors"] = pd.Series(parse, dtype=object)
    return df


@pytest.fixture
def clean_rows():
    """Factory of ``n`` clean rows of an entity."""
    def make(entity: str, n: int, offset: int = 1) -> list[dict[str, Any]]:
        return [ROWS[entity](offset + i) for i in range(n)]
    return make
