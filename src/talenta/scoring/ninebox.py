"""Levels, the PermenPANRB 3/2020 9-box grid, pools and the recommended follow-up per box (domain.md §1.2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talenta.domain.codes import is_active
from talenta.scoring.axes import as_timestamp, excluded_by_discipline, to_datetime
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
          scored_on: object) -> pd.DataFrame:
    """Outcome, levels, box, pools and reasons for every employee (index = nip).

    ``insufficient_data`` when a required axis component is missing, the employee record is stale or
    the NIP has an unresolved identity conflict; ``not_active`` for a kedudukan hukum that is not active
    service. Only ``scored`` rows get levels, a box and pool flags.
    """
    emp = employees.set_index("nip")
    on = as_timestamp(scored_on)
    reasons = pd.Series("", index=emp.index, dtype=object)
    kin_missing = axes["kinerja_missing"].reindex(emp.index)
    pot_missing = axes["potensial_missing"].reindex(emp.index)
    reasons = reasons.mask(kin_missing.notna(), reasons + "no SKP predikat in the kinerja window; ")
    reasons = reasons.mask(pot_missing.notna(), reasons + "missing " + pot_missing.fillna("") + " (no current assessment); ")
    max_age = pd.Timedelta(days=int(rules["freshness"]["max_employee_age_days"]))
    if "updated_at" in emp:
        stale = (on - to_datetime(emp["updated_at"])) > max_age
        reasons = reasons.mask(stale, reasons + f"employee record older than {max_age.days} days; ")
    if "has_identity_conflict" in emp:
        conflict = emp["has_identity_conflict"].fillna(False).astype(bool)
        reasons = reasons.mask(conflict, reasons + "unresolved identity conflict; ")
    active = emp["status"].map(is_active).astype(bool)
    outcome = pd.Series(OUTCOME_SCORED, index=emp.index, dtype=object)
    outcome = outcome.mask(reasons != "", OUTCOME_INSUFFICIENT)
    outcome = outcome.mask(~active, OUTCOME_NOT_ACTIVE)
    reasons = reasons.mask(~active, "kedudukan hukum " + emp["status"].fillna("?").astype(str) + " is not active; ")
    scored = outcome == OUTCOME_SCORED

    kin = axes["kinerja_score"].reindex(emp.index)
    pot = axes["potensial_score"].reindex(emp.index)
    nt = rules["nilai_talenta"]
    out = pd.DataFrame(index=emp.index)
    out["kinerja_score"] = kin
    out["potensial_score"] = pot
    out["nilai_talenta"] = (float(nt["kinerja"]) * kin + float(nt["potensial"]) * pot).round(4).where(scored)
    out["kinerja_level"] = level(kin, rules).mask(~scored)
    out["potensial_level"] = level(pot, rules).mask(~scored)
    k = out["kinerja_level"].fillna(1).astype(int).to_numpy() - 1
    p = out["potensial_level"].fillna(1).astype(int).to_numpy() - 1
    out["box"] = pd.Series(GRID[k, p], index=emp.index, dtype="Int8").mask(~scored)
    pools = rules["pools"]
    barred = excluded_by_discipline(emp.index, discipline, scored_on, pools["exclude_discipline_levels"],
                                    int(pools["exclude_discipline_window_years"]))
    out["in_succession_pool"] = (out["box"].isin(pools["succession_boxes"]) & scored & ~barred).astype(bool)
    out["in_national_pool"] = (out["box"].isin(pools["national_boxes"]) & out["in_succession_pool"]).astype(bool)
    reasons = reasons.mask(scored & out["box"].isin(pools["succession_boxes"]) & barred,
                           "kept out of the pool: sedang/berat discipline or penalty being served; ")
    out["outcome"] = outcome
    out["follow_up"] = out["box"].map(lambda b: FOLLOW_UP.get(int(b)) if pd.notna(b) else None)
    out["reasons"] = reasons.str.rstrip("; ").replace("", None)
    return out
