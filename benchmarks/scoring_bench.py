"""National-scale benchmark of talent scoring + mobility matching (issue #7 target: ≤ 2 minutes).

Synthesises warehouse-shaped inputs in memory (4.7 M employees at scale 1.0, ~2 SKP ratings each, a
minority with assessments, ~30 k vacancies), runs :func:`talenta.scoring.pipeline.score` and prints
timings, peak memory and the optimal vs greedy total fit. Never run from the test suite.

    .venv/bin/python benchmarks/scoring_bench.py --scale 1.0

The DAG's path (issue #8: peak memory of the whole ``talent_scoring`` task, warehouse read and write
included): build a warehouse once, then run ``pipeline.run`` on it in a fresh process:

    .venv/bin/python benchmarks/scoring_bench.py --scale 1.0 --url duckdb:////tmp/wh.duckdb --build
    .venv/bin/python benchmarks/scoring_bench.py --url duckdb:////tmp/wh.duckdb
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from talenta.domain import jabatan, regions
from talenta.scoring.pipeline import score
from talenta.scoring.rules import load_rules

LEVEL_SHARE = {
    "PELAKSANA": 0.36, "AHLI_PERTAMA": 0.16, "AHLI_MUDA": 0.13, "AHLI_MADYA": 0.04, "AHLI_UTAMA": 0.005,
    "TERAMPIL": 0.10, "MAHIR": 0.05, "PENYELIA": 0.035, "PENGAWAS": 0.07, "ADMINISTRATOR": 0.035,
    "JPT_PRATAMA": 0.01,
}
NIP_WIDTH = 18
JOB_NAMES = ["Guru", "Perawat", "Dokter", "Auditor", "Pranata Komputer", "Analis Kebijakan", "Penyuluh Pertanian",
             "Pengelola Keuangan", "Teknik Jalan", "Perancang Peraturan"]
MAJORS = ["Pendidikan", "Keperawatan", "Kedokteran", "Akuntansi", "Informatika", "Ilmu Administrasi",
          "Pertanian", "Ekonomi", "Teknik Sipil", "Hukum"]


def _text(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array as a pandas ``str`` column (no per-row Python objects)."""
    return pd.Series(values.cast(pa.large_string()).to_pandas(), dtype="str")


def _pick(choices: list[str] | np.ndarray, idx: np.ndarray) -> pd.Series:
    """``choices[idx]`` as a pandas ``str`` column, built from codes (a NumPy ``<U`` array of 9 M rows takes GBs)."""
    dictionary = pa.array([str(c) for c in choices], pa.large_string())
    return _text(pa.DictionaryArray.from_arrays(pa.array(np.asarray(idx, dtype="int32")), dictionary))


def synthesise(n_emp: int, n_vac: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Warehouse-shaped inputs for ``n_emp`` employees and ``n_vac`` vacancies (vectorised).

    Text columns are built from codes in Arrow (same values and ``str`` dtype as NumPy string arrays would
    give, a fraction of the memory): the benchmark's process peak is then the scoring's, not the synthesis's.
    """
    rng = np.random.default_rng(seed)
    codes = [r.code for r in regions.autonomous_governments()]
    levels = list(LEVEL_SHARE)
    share = np.array(list(LEVEL_SHARE.values()))
    nip_arrow = pc.utf8_lpad(pa.array(np.arange(n_emp)).cast(pa.large_string()), NIP_WIDTH, "0")
    nip = _text(nip_arrow)
    lvl = rng.choice(len(levels), n_emp, p=share / share.sum())
    central = rng.random(n_emp) < 0.22
    reg = rng.integers(0, len(codes), n_emp)
    # Central employees sit in "31" (region) and a "P0xx" agency; the others in "D<region>".
    region = np.where(central, len(codes), reg)
    inst = np.where(central, len(codes) + rng.integers(1, 99, n_emp) - 1, reg)
    del reg
    inst_names = [f"D{c}" for c in codes] + [f"P{i:03d}" for i in range(1, 99)]
    job = rng.integers(0, len(JOB_NAMES), n_emp)
    major = np.where(rng.random(n_emp) < 0.7, job, rng.integers(0, len(MAJORS), n_emp))
    birth = pd.to_datetime("1966-01-01") + pd.to_timedelta(rng.integers(0, 365 * 35, n_emp), unit="D")
    emp = pd.DataFrame({
        "nip": nip, "gender": _pick(["L", "P"], rng.random(n_emp) < 0.55), "birth_date": birth,
        "employment_type": _pick(["PPPK", "PNS"], rng.random(n_emp) < 0.75),
        "golongan": _pick([jabatan.BY_CODE[c].max_golongan for c in levels], lvl), "jabatan_name": _pick(JOB_NAMES, job),
        "jabatan_type": _pick([jabatan.BY_CODE[c].jabatan_type for c in levels], lvl),
        "jabatan_level": _pick(levels, lvl),
        "tmt_jabatan": pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 365 * 10, n_emp), unit="D"),
        "education_level": _pick(["S1", "S2", "D3", "D4", "SLTA", "S3"],
                                 rng.choice(6, n_emp, p=[0.55, 0.2, 0.1, 0.05, 0.09, 0.01])),
        "education_major": _pick(MAJORS, major), "instansi_id": _pick(inst_names, inst),
        "region_code": _pick([*codes, "31"], region), "status": "01",
        "updated_at": pd.Timestamp("2026-02-15"), "has_identity_conflict": rng.random(n_emp) < 0.002,
    })
    del lvl, central, region, inst, job, major, birth
    preds = ["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang"]
    p = [0.15, 0.80, 0.03, 0.015, 0.005]
    perf = pd.DataFrame({
        "nip": _text(pa.chunked_array([nip_arrow, nip_arrow])), "year": np.repeat([2025, 2024], n_emp),
        "predikat": _pick(preds, rng.choice(5, 2 * n_emp, p=p)),
    })
    has_a = rng.random(n_emp) < 0.35
    n_a = int(has_a.sum())
    assess = pd.DataFrame({
        "nip": _text(nip_arrow.filter(pa.array(has_a))), "method": "AC",
        "assessed_on": pd.to_datetime("2023-06-01") + pd.to_timedelta(rng.integers(0, 900, n_a), unit="D"),
        "jpm_pct": rng.normal(78, 10, n_a).clip(30, 100), "potensi_score": rng.normal(76, 11, n_a).clip(30, 100),
        "kompetensi_manajerial": np.nan, "kompetensi_sosiokultural": np.nan, "kompetensi_teknis": np.nan,
    })
    d_idx = rng.choice(n_emp, int(n_emp * 0.01), replace=False)
    disc = pd.DataFrame({
        "nip": _text(nip_arrow.take(pa.array(d_idx))), "decided_on": pd.to_datetime("2022-01-01")
        + pd.to_timedelta(rng.integers(0, 1400, d_idx.size), unit="D"),
        "level": np.array(["R", "S", "B"])[rng.choice(3, d_idx.size, p=[0.6, 0.3, 0.1])], "penalty": "x",
        "ends_on": pd.NaT,
    })
    levels_arr = np.array(levels)
    v_lvl = levels_arr[rng.choice(len(levels), n_vac, p=share / share.sum())]
    v_reg = np.array(codes)[rng.integers(0, len(codes), n_vac)]
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


def build_warehouse(url: str, inputs: dict[str, pd.DataFrame]) -> None:
    """Write the synthesised inputs to a warehouse with the canonical column types (dates as DATE, ...)."""
    from talenta.domain.schemas import SCHEMAS
    from talenta.warehouse.db import Warehouse

    entity = {"employee_current": "employee", "performance_rating": "performance", "assessment": "assessment",
              "disciplinary_record": "discipline", "vacancy": "vacancy"}
    with Warehouse(url) as wh:
        for name, frame in inputs.items():
            table = pa.Table.from_pandas(frame, preserve_index=False)
            canonical = SCHEMAS[entity[name]]
            cols = [col.cast(canonical.field(f.name).type) if f.name in canonical.names else col
                    for f, col in zip(table.schema, table.columns, strict=True)]
            wh.replace_table(name, pa.table(cols, names=table.column_names))


def run_from_warehouse(url: str, rules: str | None) -> dict:
    """The DAG's path: ``pipeline.run`` (read the warehouse, score, write the outputs and reports)."""
    import tempfile

    from talenta.scoring import io, pipeline

    phases: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = round(time.perf_counter() - t, 1)
                phases[name.replace("_s", "_end_rss_mb")] = _status_mb("VmRSS")
        return wrapper

    io.read_inputs = timed("read_s", io.read_inputs)
    io.write_outputs = timed("write_s", io.write_outputs)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        s = pipeline.run("bench", "2026-03-01", rule_version=rules, url=url, report_dir=f"{tmp}/scoring")
        total = time.perf_counter() - t0
    return {"run_s": round(total, 1), "phases": phases, "timings": s["timings"], "employees": s["employees"],
            "pairs_considered": s["pairs_considered"], "optimal_total_fit": s["optimal_total_fit"],
            "greedy_total_fit": s["greedy_total_fit"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    """Synthesise, score, print a JSON result line (or build a warehouse / run the DAG's path on one)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.05, help="1.0 = the nation (4.7 M employees, 30 k vacancies)")
    ap.add_argument("--rules", default=None)
    ap.add_argument("--url", default=None,
                    help="warehouse URL (duckdb:///file or postgresql://...): run pipeline.run on it, as the DAG does")
    ap.add_argument("--build", action="store_true", help="with --url: write the synthesised inputs there and stop")
    args = ap.parse_args()
    n_emp, n_vac = int(4_700_000 * args.scale), max(10, int(30_000 * args.scale))
    if args.url and not args.build:
        print(json.dumps({"url": args.url.split("@")[-1], **run_from_warehouse(args.url, args.rules)}, indent=1))
        return
    t0 = time.perf_counter()
    inputs = synthesise(n_emp, n_vac)
    t1 = time.perf_counter()
    synthesis_peak, inputs_rss = _status_mb("VmHWM"), _status_mb("VmRSS")
    if args.build:
        build_warehouse(args.url, inputs)
        print(json.dumps({"built": args.url.split("@")[-1], "employees": n_emp, "vacancies": n_vac,
                          "synthesis_s": round(t1 - t0, 1), "build_s": round(time.perf_counter() - t1, 1)}))
        return
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
        # Whole process (synthesis included, as /usr/bin/time -v reports it); the synthesis alone peaked at
        # synthesis_peak_rss_mb and left inputs_rss_mb resident (the inputs the scoring then reads).
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "synthesis_peak_rss_mb": synthesis_peak, "inputs_rss_mb": inputs_rss,
    }, indent=1))


def _status_mb(key: str) -> int | None:
    """A memory line of /proc/self/status (VmHWM = peak RSS so far, VmRSS = now) in MB; None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        return None
    return None


if __name__ == "__main__":
    main()
