"""Levels, the PermenPANRB 3/2020 9-box grid, pools and the recommended follow-up per box (domain.md §1.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talenta.domain.codes import is_active
from talenta.scoring.axes import as_timestamp, excluded_by_discipline, to_datetime
from talenta.scoring.encode import NipIndex, aligned, codes
from talenta.scoring.rules import Rules

KINERJA_LABELS = {1: "di bawah ekspektasi", 2: "sesuai ekspektasi", 3: "di atas ekspektasi"}
POTENSIAL_LABELS = {1: "rendah", 2: "menengah", 3: "tinggi"}

# GRID[kinerja_level - 1][potensial_level - 1] = box (domain.md §0 / §1.2).
GRID = np.array([
    [1, 3, 6],   # kinerja di bawah: potensial rendah, menengah, tinggi
    [2, 5, 8],   # kinerja sesuai
    [4, 7, 9],   # kinerja di atas
], dtype="int8")

FOLLOW_UP: dict[int, str] = {
    9: "Dipromosikan dan dipertahankan. Masuk Kelompok Rencana Suksesi Instansi/Nasional. Penghargaan",
    8: "Dipertahankan. Masuk Kelompok Rencana Suksesi Instansi. Rotasi/Perluasan jabatan. Bimbingan kinerja",
    7: ("Dipertahankan. Masuk Kelompok Rencana Suksesi Instansi. Rotasi/Pengayaan jabatan. "
        "Pengembangan kompetensi. Tugas belajar"),
    6: "Penempatan yang sesuai. Bimbingan kinerja. Konseling kinerja",
    5: "Penempatan yang sesuai. Bimbingan kinerja. Pengembangan kompetensi",
    4: "Rotasi. Pengembangan kompetensi",
    3: "Bimbingan kinerja. Konseling kinerja. Pengembangan kompetensi. Penempatan yang sesuai",
    2: "Bimbingan kinerja. Pengembangan kompetensi. Penempatan yang sesuai",
    1: "Diproses sesuai ketentuan peraturan perundang-undangan",
}

OUTCOME_SCORED = "scored"
OUTCOME_INSUFFICIENT = "insufficient_data"
OUTCOME_NOT_ACTIVE = "not_active"


@dataclass(frozen=True)
class Box:
    """One cell of the grid: number, levels, official label and recommended follow-up."""

    box: int
    kinerja_level: int
    potensial_level: int
    label: str
    follow_up: str


def boxes() -> list[Box]:
    """The nine boxes in box order (the ``dim_talent_box`` table)."""
    out = []
    for k in (1, 2, 3):
        for p in (1, 2, 3):
            b = int(GRID[k - 1, p - 1])
            label = f"Kinerja {KINERJA_LABELS[k]} dan potensial {POTENSIAL_LABELS[p]}"
            out.append(Box(b, k, p, label, FOLLOW_UP[b]))
    return sorted(out, key=lambda b: b.box)


def box_of(kinerja_level: int, potensial_level: int) -> int:
    """Box number for a pair of levels (1..3 each)."""
    return int(GRID[kinerja_level - 1, potensial_level - 1])


def level(score: pd.Series, rules: Rules) -> pd.Series:
    """Level 3 at or above ``levels.high``, 2 at or above ``levels.mid``, else 1; <NA> for a missing score."""
    high, mid = float(rules["levels"]["high"]), float(rules["levels"]["mid"])
    values = np.where(score >= high, 3, np.where(score >= mid, 2, 1))
    return pd.Series(values, index=score.index, dtype="Int8").mask(score.isna())


def place(employees: pd.DataFrame, axes: pd.DataFrame, discipline: pd.DataFrame, rules: Rules,
          scored_on: object, *, index: NipIndex | None = None) -> pd.DataFrame:
    """Outcome, levels, box, pools and reasons for every employee (index = nip, in the employees' order).

    ``insufficient_data`` when a required axis component is missing, the employee record is stale or
    the NIP has an unresolved identity conflict; ``not_active`` for a kedudukan hukum that is not active
    service. Only ``scored`` rows get levels, a box and pool flags. ``axes`` is aligned with the
    employees (as :func:`talenta.scoring.axes.compute_axes` returns it) or indexed by nip.
    """
    nips = pd.Index(employees["nip"], name="nip")
    ix = index if index is not None else NipIndex(employees["nip"])
    ax = aligned(axes, nips)
    n = len(nips)
    on = as_timestamp(scored_on)
    # Reasons are composed per distinct combination of causes (a few dozen), never per row.
    kin_missing = ax["kinerja_missing"].to_numpy(dtype=object)
    pot_codes, pot_texts = codes(ax["potensial_missing"])
    kin_bad = pd.notna(kin_missing)
    max_age = pd.Timedelta(days=int(rules["freshness"]["max_employee_age_days"]))
    stale = np.zeros(n, dtype=bool)
    if "updated_at" in employees:
        stale = ((on - to_datetime(employees["updated_at"])) > max_age).to_numpy(dtype=bool, na_value=False)
    conflict = np.zeros(n, dtype=bool)
    if "has_identity_conflict" in employees:
        conflict = employees["has_identity_conflict"].fillna(False).astype(bool).to_numpy()
    status_codes, status_uniques = codes(employees["status"])
    active = np.append(np.array([bool(is_active(u)) for u in status_uniques], dtype=bool), bool(is_active(None)))
    active = active[status_codes]
    insufficient = kin_bad | (pot_codes >= 0) | stale | conflict
    outcome_code = np.where(~active, 2, np.where(insufficient, 1, 0))
    scored = outcome_code == 0

    kin = ax["kinerja_score"].to_numpy(dtype="float64", na_value=np.nan)
    pot = ax["potensial_score"].to_numpy(dtype="float64", na_value=np.nan)
    nt = rules["nilai_talenta"]
    out = pd.DataFrame(index=nips)
    out["kinerja_score"] = kin
    out["potensial_score"] = pot
    out["nilai_talenta"] = np.where(scored, np.round(float(nt["kinerja"]) * kin + float(nt["potensial"]) * pot, 4),
                                    np.nan)
    k_level = level(pd.Series(kin), rules).to_numpy(dtype="float64", na_value=np.nan)
    p_level = level(pd.Series(pot), rules).to_numpy(dtype="float64", na_value=np.nan)
    k_level[~scored] = np.nan
    p_level[~scored] = np.nan
    # Int8 columns null where not scored, built from values and mask (Series.mask went through objects).
    not_scored = ~scored
    out["kinerja_level"] = pd.arrays.IntegerArray(np.where(np.isnan(k_level), 0, k_level).astype("int8"),
                                                  not_scored.copy())
    out["potensial_level"] = pd.arrays.IntegerArray(np.where(np.isnan(p_level), 0, p_level).astype("int8"),
                                                    not_scored.copy())
    k = np.nan_to_num(k_level, nan=1).astype(int) - 1
    p = np.nan_to_num(p_level, nan=1).astype(int) - 1
    box = GRID[k, p] if n else np.array([], dtype="int8")
    del k, p
    out["box"] = pd.arrays.IntegerArray(np.asarray(box, dtype="int8").copy(), not_scored.copy())
    pools = rules["pools"]
    barred = excluded_by_discipline(nips, discipline, scored_on, pools["exclude_discipline_levels"],
                                    int(pools["exclude_discipline_window_years"]), index=ix).to_numpy()
    in_box = np.isin(box, pools["succession_boxes"]) & scored
    in_pool = in_box & ~barred
    out["in_succession_pool"] = in_pool
    out["in_national_pool"] = np.isin(box, pools["national_boxes"]) & in_pool
    # Repeated texts are categoricals (codes into a few distinct values): as plain strings the follow-up
    # and reason texts of 4.7 M people took ~1 GB. Values are the same; nulls are NaN as in a str column.
    out["outcome"] = pd.Categorical.from_codes(outcome_code.astype("int8"),
                                               [OUTCOME_SCORED, OUTCOME_INSUFFICIENT, OUTCOME_NOT_ACTIVE])
    follow = [FOLLOW_UP[b] for b in range(1, 10)]
    out["follow_up"] = pd.Categorical.from_codes(np.where(scored, box.astype("int8") - 1, -1).astype("int8"), follow)

    kept_out = in_box & barred
    # One int64 key per combination of causes (a MultiIndex factorize would build 4.7 M tuples).
    status_key = np.where(active, -2, status_codes) + 2  # >= 0: 0 active, 1 null status, 2+ a status code
    pot_key = pot_codes + 1  # >= 0
    flags = (kin_bad.astype("int64") | (stale.astype("int64") << 1) | (conflict.astype("int64") << 2)
             | (kept_out.astype("int64") << 3))
    key = (status_key.astype("int64") * (len(pot_texts) + 1) + pot_key) * 16 + flags
    del status_key, pot_key, flags
    uniq_key, combo = np.unique(key, return_inverse=True)
    del key
    texts = []
    for k in uniq_key.tolist():
        kin_b, stale_b, conflict_b, kept_b = bool(k & 1), bool(k & 2), bool(k & 4), bool(k & 8)
        pot_c = (k >> 4) % (len(pot_texts) + 1) - 1
        status_c = (k >> 4) // (len(pot_texts) + 1) - 2
        if status_c != -2:
            status = status_uniques[status_c] if status_c >= 0 else "?"
            texts.append(f"kedudukan hukum {status} is not active")
            continue
        parts = []
        if kin_b:
            parts.append("no SKP predikat in the kinerja window")
        if pot_c >= 0:
            parts.append(f"missing {pot_texts[pot_c]} (no current assessment)")
        if stale_b:
            parts.append(f"employee record older than {max_age.days} days")
        if conflict_b:
            parts.append("unresolved identity conflict")
        if kept_b:
            parts.append("kept out of the pool: sedang/berat discipline or penalty being served")
        texts.append("; ".join(parts) or None)
    # Distinct texts as categories (several cause combinations share a text); no reason is a null (-1).
    categories: dict[str, int] = {}
    text_code = np.array([-1 if t is None else categories.setdefault(t, len(categories)) for t in texts],
                         dtype="int32")
    out["reasons"] = pd.Categorical.from_codes(text_code[combo] if n else np.array([], dtype="int32"),
                                               list(categories))
    return out
