"""Validation benchmark: synthetic harmonized frames with a few percent defects, timed per entity.

Usage: ``.venv/bin/python benchmarks/validate_bench.py --scale 0.05`` (scale 1.0 = the nation: 4.7 M
employees, 9 M SKP ratings, 0.3 M assessments, 0.2 M disciplinary records, 50 k vacancies over 644 sources).
Never run at scale 1.0 inside tests. Prints one markdown table row per entity.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from talenta.validate import validate_batch

NATION = {"employee": 4_700_000, "performance": 9_000_000, "assessment": 300_000, "discipline": 200_000,
          "vacancy": 50_000}
SOURCES = 644


def _nips(n: int, rng: np.random.Generator) -> np.ndarray:
    birth = pd.to_datetime("1965-01-01") + pd.to_timedelta(rng.integers(0, 12_000, n), unit="D")
    year = birth.year + 22 + rng.integers(0, 10, n)
    seq = rng.integers(1, 999, n)
    nip = (birth.strftime("%Y%m%d").to_numpy().astype(object) + pd.Series(year).astype(str).to_numpy()
           + "03" + "1" + pd.Series(seq).astype(str).str.zfill(3).to_numpy())
    return nip, birth, year


def employee(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Clean PNS rows with ~3 % region defects and ~1 % future TMT jabatan."""
    nip, birth, year = _nips(n, rng)
    tmt = pd.to_datetime(pd.Series(year).astype(str) + "-03-01")
    df = pd.DataFrame({
        "nip": pd.array(nip, dtype="string"), "nik": None, "name": "x", "gender": "L",
        "birth_date": birth.date, "religion": "1", "employment_type": "PNS", "golongan": "III/c",
        "tmt_golongan": (tmt + pd.Timedelta(days=400)).dt.date, "jabatan_name": "x", "jabatan_type": "fungsional",
        "jabatan_level": "AHLI_MUDA", "tmt_jabatan": (tmt + pd.Timedelta(days=800)).dt.date,
        "education_level": "S1", "education_major": None, "unit_name": None, "instansi_id": "D3578",
        "region_code": np.where(rng.random(n) < 0.03, "9999", "3578"), "status": "01", "tmt_cpns": tmt.dt.date,
        "updated_at": None,
    })
    df.loc[rng.random(n) < 0.01, "tmt_jabatan"] = dt.date(2030, 1, 1)
    return df


def performance(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Two years per person, ~2 % predikat off the matrix."""
    nip, _, _ = _nips(n // 2 + 1, rng)
    nips = np.repeat(nip, 2)[:n]
    years = np.tile([2023, 2024], n // 2 + 1)[:n]
    pred = np.where(rng.random(n) < 0.02, "Sangat Baik", "Baik")
    return pd.DataFrame({"nip": nips, "year": years, "hasil_kerja": "SESUAI", "perilaku_kerja": "SESUAI",
                         "predikat": pred})


def assessment(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """JPM with ~1 % above 100."""
    nip, _, _ = _nips(n, rng)
    return pd.DataFrame({"nip": nip, "assessed_on": dt.date(2023, 5, 1), "method": "AC",
                         "jpm_pct": rng.uniform(50, 101, n), "potensi_score": 70.0, "kompetensi_manajerial": 70.0,
                         "kompetensi_sosiokultural": 70.0, "kompetensi_teknis": 70.0})


def discipline(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Penalties, ~1 % unknown level."""
    nip, _, _ = _nips(n, rng)
    return pd.DataFrame({"nip": nip, "decided_on": dt.date(2023, 2, 1),
                         "level": np.where(rng.random(n) < 0.01, "X", "R"), "penalty": "teguran",
                         "ends_on": dt.date(2023, 8, 1)})


def vacancy(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Vacancies with unique ids."""
    return pd.DataFrame({"vacancy_id": [f"V{i}" for i in range(n)], "instansi_id": "D3578", "region_code": "3578",
                         "jabatan_name": "x", "jabatan_type": "fungsional", "jabatan_level": "AHLI_PERTAMA",
                         "min_golongan": "III/a", "min_education": "S1", "sector": "pendidikan",
                         "opened_on": dt.date(2025, 1, 1)})


BUILDERS = {"employee": employee, "performance": performance, "assessment": assessment,
            "discipline": discipline, "vacancy": vacancy}


def frames_for(entity: str, n: int, sources: int, rng: np.random.Generator) -> list[tuple[str, pd.DataFrame]]:
    """``n`` rows split over ``sources`` sources, with lineage columns."""
    df = BUILDERS[entity](n, rng)
    df["source_row_ref"] = [f"{entity}.csv:{i + 2}" for i in range(n)]
    df["run_id"], df["extra"], df["parse_errors"] = "bench", None, None
    out = []
    for k, part in enumerate(np.array_split(np.arange(n), sources)):
        out.append((f"S{k:03d}", df.iloc[part].reset_index(drop=True)))
    return out


def main() -> None:
    """Run the benchmark at ``--scale`` and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--entities", default=",".join(NATION))
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401  (timed apart: a one-off cost per worker process)
    print(f"import great_expectations: {time.perf_counter() - t0:.1f} s\n")
    print("| entity | rows | sources | seconds | rows/s | quarantined |\n|---|---:|---:|---:|---:|---:|")
    total = 0.0
    for entity in args.entities.split(","):
        n = max(int(NATION[entity] * args.scale), SOURCES)
        frames = frames_for(entity, n, SOURCES, rng)
        t = time.perf_counter()
        out = validate_batch(entity, frames, run_id="bench", logical_date="2025-06-01")
        secs = time.perf_counter() - t
        total += secs
        quarantined = sum(len(o.quarantined) for o in out.values())
        assert sum(o.rows for o in out.values()) == n
        print(f"| {entity} | {n:,} | {SOURCES} | {secs:.1f} | {n / secs:,.0f} | {quarantined:,} |")
    print(f"\ntotal validation time at scale {args.scale}: {total:.1f} s")


if __name__ == "__main__":
    main()
