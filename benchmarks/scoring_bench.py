"""National-scale benchmark of talent scoring + mobility matching (issue #7 target: ≤ 2 minutes).

Synthesises warehouse-shaped inputs in memory (4.7 M employees at scale 1.0, ~2 SKP ratings each, a
minority with assessments, ~30 k vacancies), runs :func:`talenta.scoring.pipeline.score` and prints
timings, peak memory and the optimal vs greedy total fit. Never run from the test suite.

    .venv/bin/python benchmarks/scoring_bench.py --scale 1.0
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd

from talenta.domain import jabatan, regions
from talenta.scoring.pipeline import score
from talenta.scoring.rules import load_rules

LEVEL_SHARE = {
    "PELAKSANA": 0.36, "AHLI_PERTAMA": 0.16, "AHLI_MUDA": 0.13, "AHLI_MADYA": 0.04, "AHLI_UTAMA": 0.005,
    "TERAMPIL": 0.10, "MAHIR": 0.05, "PENYELIA": 0.035, "PENGAWAS": 0.07, "ADMINISTRATOR": 0.035,
    "JPT_PRATAMA": 0.01,
}
JOB_NAMES = ["Guru", "Perawat", "Dokter", "Auditor", "Pranata Komputer", "Analis Kebijakan", "Penyuluh Pertanian",
             "Pengelola Keuangan", "Teknik Jalan", "Perancang Peraturan"]
MAJORS = ["Pendidikan", "Keperawatan", "Kedokteran", "Akuntansi", "Informatika", "Ilmu Administrasi",
          "Pertanian", "Ekonomi", "Teknik Sipil", "Hukum"]


def synthesise(n_emp: int, n_vac: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Warehouse-shaped inputs for ``n_emp`` employees and ``n_vac`` vacancies (vectorised)."""
    rng = np.random.default_rng(seed)
    codes = np.array([r.code for r in regions.autonomous_governments()])
    levels = np.array(list(LEVEL_SHARE))
    share = np.array(list(LEVEL_SHARE.values()))
    nip = pd.Series(np.arange(n_emp)).astype(str).str.zfill(18)
    lvl = levels[rng.choice(len(levels), n_emp, p=share / share.sum())]
    central = rng.random(n_emp) < 0.22
    reg = codes[rng.integers(0, len(codes), n_emp)]
    reg = np.where(central, "31", reg)
    inst = np.where(central, pd.Series(rng.integers(1, 99, n_emp)).map("P{:03d}".format).to_numpy(),
                    np.char.add("D", reg.astype(str)))
    min_gol = {c: jabatan.BY_CODE[c].max_golongan for c in LEVEL_SHARE}
    job = rng.integers(0, len(JOB_NAMES), n_emp)
    major = np.where(rng.random(n_emp) < 0.7, job, rng.integers(0, len(MAJORS), n_emp))
    birth = pd.to_datetime("1966-01-01") + pd.to_timedelta(rng.integers(0, 365 * 35, n_emp), unit="D")
    emp = pd.DataFrame({
        "nip": nip, "gender": np.where(rng.random(n_emp) < 0.55, "P", "L"), "birth_date": birth,
        "employment_type": np.where(rng.random(n_emp) < 0.75, "PNS", "PPPK"),
        "golongan": pd.Series(lvl).map(min_gol).to_numpy(), "jabatan_name": np.array(JOB_NAMES)[job],
        "jabatan_type": pd.Series(lvl).map(lambda c: jabatan.BY_CODE[c].jabatan_type).to_numpy(),
        "jabatan_level": lvl,
        "tmt_jabatan": pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 365 * 10, n_emp), unit="D"),
        "education_level": np.array(["S1", "S2", "D3", "D4", "SLTA", "S3"])[
            rng.choice(6, n_emp, p=[0.55, 0.2, 0.1, 0.05, 0.09, 0.01])],
        "education_major": np.array(MAJORS)[major], "instansi_id": inst, "region_code": reg, "status": "01",
        "updated_at": pd.Timestamp("2026-02-15"), "has_identity_conflict": rng.random(n_emp) < 0.002,
    })
    preds = np.array(["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang"])
    p = [0.15, 0.80, 0.03, 0.015, 0.005]
    perf = pd.DataFrame({
        "nip": np.concatenate([nip, nip]), "year": np.repeat([2025, 2024], n_emp),
        "predikat": preds[rng.choice(5, 2 * n_emp, p=p)],
    })
    has_a = rng.random(n_emp) < 0.35
    n_a = int(has_a.sum())
    assess = pd.DataFrame({
        "nip": nip[has_a].to_numpy(), "method": "AC",
        "assessed_on": pd.to_datetime("2023-06-01") + pd.to_timedelta(rng.integers(0, 900, n_a), unit="D"),
        "jpm_pct": rng.normal(78, 10, n_a).clip(30, 100), "potensi_score": rng.normal(76, 11, n_a).clip(30, 100),
        "kompetensi_manajerial": np.nan, "kompetensi_sosiokultural": np.nan, "kompetensi_teknis": np.nan,
    })
    d_idx = rng.choice(n_emp, int(n_emp * 0.01), replace=False)
    disc = pd.DataFrame({
        "nip": nip.to_numpy()[d_idx], "decided_on": pd.to_datetime("2022-01-01")
        + pd.to_timedelta(rng.integers(0, 1400, d_idx.size), unit="D"),
        "level": np.array(["R", "S", "B"])[rng.choice(3, d_idx.size, p=[0.6, 0.3, 0.1])], "penalty": "x",
        "ends_on": pd.NaT,
    })
    v_lvl = levels[rng.choice(len(levels), n_vac, p=share / share.sum())]
    v_reg = codes[rng.integers(0, len(codes), n_vac)]
    v_job = rng.integers(0, len(JOB_NAMES), n_vac)
    vac = pd.DataFrame({
        "vacancy_id": pd.Series(np.arange(n_vac)).map("V{:07d}".format), "instansi_id": np.char.add("D", v_reg),
        "region_code": v_reg, "jabatan_name": np.array(JOB_NAMES)[v_job],
        "jabatan_type": pd.Series(v_lvl).map(lambda c: jabatan.BY_CODE[c].jabatan_type).to_numpy(),
        "jabatan_level": v_lvl, "min_golongan": pd.Series(v_lvl).map(lambda c: jabatan.BY_CODE[c].min_golongan),
        "min_education": "S1",
        "sector": np.array(["pendidikan", "kesehatan", "pengendalian_inflasi", "lainnya"])[rng.integers(0, 4, n_vac)],
        "opened_on": pd.Timestamp("2026-01-05"),
    })
    return {"employee_current": emp, "performance_rating": perf, "assessment": assess,
            "disciplinary_record": disc, "vacancy": vac}


def main() -> None:
    """Synthesise, score, print a JSON result line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.05, help="1.0 = the nation (4.7 M employees, 30 k vacancies)")
    ap.add_argument("--rules", default=None)
    args = ap.parse_args()
    n_emp, n_vac = int(4_700_000 * args.scale), max(10, int(30_000 * args.scale))
    t0 = time.perf_counter()
    inputs = synthesise(n_emp, n_vac)
    t1 = time.perf_counter()
    result = score(inputs, load_rules(args.rules), run_id="bench", scored_on="2026-03-01")
    t2 = time.perf_counter()
    s = result.summary
    print(json.dumps({
        "scale": args.scale, "employees": n_emp, "vacancies": n_vac, "synthesis_s": round(t1 - t0, 1),
        "score_and_match_s": round(t2 - t1, 1), "timings": s["timings"], "outcomes": s["outcomes"],
        "succession_pool": s["succession_pool"], "pairs_considered": s["pairs_considered"],
        "pairs_eligible": s["pairs_eligible"], "primary_proposals": s["primary_proposals"],
        "optimal_total_fit": s["optimal_total_fit"], "greedy_total_fit": s["greedy_total_fit"],
        "greedy_proposals": s["greedy_proposals"], "matching_method": s["matching_method"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, indent=1))


if __name__ == "__main__":
    main()
