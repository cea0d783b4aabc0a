"""Small hand-made warehouse-shaped inputs for the scoring tests."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from talenta.scoring.rules import load_rules

SCORED_ON = "2026-03-01"


def employee(nip: str, **kw) -> dict:
    """One employee_current row with sensible defaults (an active S1 Ahli Muda in Surabaya)."""
    row = {
        "nip": nip, "gender": "L", "birth_date": date(1985, 5, 1), "religion": "1",
        "employment_type": "PNS", "golongan": "III/c", "jabatan_name": "Analis Kebijakan Ahli Muda",
        "jabatan_type": "fungsional", "jabatan_level": "AHLI_MUDA", "tmt_jabatan": date(2020, 1, 1),
        "education_level": "S1", "education_major": "Ilmu Administrasi", "instansi_id": "D3578",
        "region_code": "3578", "status": "01", "updated_at": datetime(2026, 2, 1), "has_identity_conflict": False,
    }
    row.update(kw)
    return row


def ratings(nip: str, *pairs: tuple[int, str]) -> list[dict]:
    """performance_rating rows for (year, predikat) pairs."""
    return [{"nip": nip, "year": y, "predikat": p} for y, p in pairs]


def assessment(nip: str, jpm: float, potensi: float, on: date = date(2025, 6, 1)) -> dict:
    """One assessment row."""
    return {"nip": nip, "assessed_on": on, "method": "AC", "jpm_pct": jpm, "potensi_score": potensi,
            "kompetensi_manajerial": None, "kompetensi_sosiokultural": None, "kompetensi_teknis": None}


def vacancy(vid: str, **kw) -> dict:
    """One vacancy row (Ahli Muda in Kota Bandung by default)."""
    row = {"vacancy_id": vid, "instansi_id": "D3273", "region_code": "3273",
           "jabatan_name": "Analis Kebijakan Ahli Muda", "jabatan_type": "fungsional", "jabatan_level": "AHLI_MUDA",
           "min_golongan": "III/c", "min_education": "S1", "sector": "lainnya", "opened_on": date(2026, 1, 5)}
    row.update(kw)
    return row


def frames(emps: list[dict], perf: list[dict], assess: list[dict], disc: list[dict] | None = None,
           vacs: list[dict] | None = None) -> dict[str, pd.DataFrame]:
    """The five input tables as DataFrames with all canonical columns."""
    disc_cols = ["nip", "decided_on", "level", "penalty", "ends_on"]
    vac_cols = list(vacancy("x"))
    return {
        "employee_current": pd.DataFrame(emps, columns=list(employee("x"))),
        "performance_rating": pd.DataFrame(perf, columns=["nip", "year", "predikat"]),
        "assessment": pd.DataFrame(assess, columns=list(assessment("x", 0, 0))),
        "disciplinary_record": pd.DataFrame(disc or [], columns=disc_cols),
        "vacancy": pd.DataFrame(vacs or [], columns=vac_cols),
    }


def synthetic_inputs(n_emp: int = 600, n_vac: int = 40, seed: int = 7) -> dict[str, pd.DataFrame]:
    """A small random nation: employees across regions/agencies, ratings, assessments, discipline, vacancies."""
    rng = np.random.default_rng(seed)
    regions = ["3578", "3273", "3171", "6110", "7371", "1371"]
    levels = ["AHLI_MUDA", "AHLI_PERTAMA", "PENYELIA"]
    gol = {"AHLI_MUDA": "III/d", "AHLI_PERTAMA": "III/b", "PENYELIA": "III/d"}
    emps, perf, assess, disc = [], [], [], []
    for i in range(n_emp):
        nip = f"19{80 + i % 15:02d}0101201001{1 + i % 2}{i:03d}"[:18].ljust(18, "0")
        nip = f"{i:018d}"
        reg = regions[i % len(regions)]
        lvl = levels[i % len(levels)]
        emps.append(employee(nip, gender="LP"[int(rng.integers(2))], region_code=reg, instansi_id=f"D{reg}",
                             jabatan_level=lvl, golongan=gol[lvl],
                             birth_date=date(int(rng.integers(1968, 1998)), int(rng.integers(1, 13)), 1),
                             education_level=["S1", "S2", "D4"][int(rng.integers(3))]))
        preds = rng.choice(["Sangat Baik", "Baik", "Butuh Perbaikan"], size=2, p=[0.35, 0.6, 0.05])
        perf += ratings(nip, (2025, preds[0]), (2024, preds[1]))
        if rng.random() < 0.85:
            assess.append(assessment(nip, float(rng.integers(55, 100)), float(rng.integers(55, 100))))
        if rng.random() < 0.05:
            disc.append({"nip": nip, "decided_on": date(2025, 3, 1), "level": ["R", "S", "B"][int(rng.integers(3))],
                         "penalty": "x", "ends_on": date(2025, 9, 1)})
    vacs = [vacancy(f"V{j:04d}", region_code=regions[j % len(regions)], instansi_id=f"D{regions[j % len(regions)]}",
                    jabatan_level=levels[j % len(levels)], min_golongan="III/a",
                    sector=["pendidikan", "kesehatan", "pengendalian_inflasi", "lainnya"][j % 4])
            for j in range(n_vac)]
    return frames(emps, perf, assess, disc, vacs)


@pytest.fixture(scope="session")
def rules():
    """The shipped 2025.1 rule version."""
    return load_rules("2025.1")
