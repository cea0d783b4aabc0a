"""Mobility pairs (vacancy × person): which pairs are considered, which are eligible and why, and the fit.

Considered pairs are kept sparse: a person is only paired with vacancies of their own jabatan level
(same jenjang, cross-region move), and when a level has many people each vacancy sees at most
``max_considered_per_vacancy`` of them. People are ranked (eligible first, best nilai talenta first)
and dealt round-robin into as many groups as needed, so each vacancy's slice holds a fair share of the
best candidates and the whole is linear in the number of vacancies.

Every considered pair is recorded with its failed checks as a reason text; reasons are built from a
bit mask per pair so national-scale runs never concatenate strings row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talenta.domain import education, golongan, jabatan
from talenta.domain.codes import is_active
from talenta.scoring.axes import as_timestamp, excluded_by_discipline, field_fit_table, to_datetime
from talenta.scoring.encode import NipIndex, aligned, codes, map_codes
from talenta.scoring.rules import Rules

# (bit, reason when the check fails); person-level checks first, then pair-level ones.
CHECKS: tuple[tuple[str, str], ...] = (
    ("active", "kedudukan hukum is not active service"),
    ("pool", "not in the candidate boxes of the talent pool"),
    ("employment", "employment type cannot transfer across agencies"),
    ("discipline", "sedang/berat discipline in the window or a penalty being served"),
    ("bup", "within the minimum time before retirement age (BUP)"),
    ("agency", "vacancy is in the person's own agency"),
    ("jenjang", "jabatan type/level does not match the vacancy"),
    ("golongan", "golongan below the vacancy's minimum (or not comparable)"),
    ("education", "education below the vacancy's minimum"),
)
BIT = {name: 1 << i for i, (name, _) in enumerate(CHECKS)}
ELIGIBLE_TEXT = "eligible: golongan, jenjang, education, active status, discipline, BUP and agency checks passed"


def reasons_for_mask(mask: int) -> str:
    """The reason text of a failed-check bit mask (``ELIGIBLE_TEXT`` for 0)."""
    if mask == 0:
        return ELIGIBLE_TEXT
    return "not eligible: " + "; ".join(text for name, text in CHECKS if mask & BIT[name])


def retirement_date(birth_date: pd.Series, jabatan_level: pd.Series) -> pd.Series:
    """TMT pensiun: the first day of the month after the BUP birthday (domain.md §2.7)."""
    bup_years = map_codes(jabatan_level, jabatan.bup)
    born = to_datetime(birth_date)
    year = born.dt.year.to_numpy(dtype="float64", na_value=np.nan) + bup_years
    month = born.dt.month.to_numpy(dtype="float64", na_value=np.nan)
    # Months since 1970-01 of the month after the BUP birthday, as whole-month datetimes.
    months = (year - 1970) * 12 + (month - 1) + 1
    valid = ~np.isnan(months)
    out = np.full(months.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    out[valid] = months[valid].astype("int64").astype("datetime64[M]").astype("datetime64[ns]")
    return pd.Series(out, index=birth_date.index)


@dataclass
class Persons:
    """Per person, in the employees' order: the person-level failure mask and what the pair checks need.

    Code columns are dictionary codes (-1 = null) into the matching ``*_names`` arrays.
    """

    nips: pd.Index
    pmask: np.ndarray
    level: np.ndarray
    level_names: np.ndarray
    jtype: np.ndarray
    jtype_names: np.ndarray
    instansi: np.ndarray
    instansi_names: np.ndarray
    gol_rank: np.ndarray
    edu_years: np.ndarray
    major: np.ndarray
    major_names: np.ndarray
    nilai_talenta: np.ndarray

    def __len__(self) -> int:
        return len(self.nips)


def code_in(names: np.ndarray, values: pd.Series, *, null: int) -> np.ndarray:
    """Codes of ``values`` in the dictionary ``names``: ``null`` for a null value, -3 for an unknown one."""
    lookup = {name: i for i, name in enumerate(names)}
    return map_codes(values, lambda u: lookup.get(u, -3), default=null, dtype="int64")


def _edu_years(code: object) -> float | None:
    level = education.BY_CODE.get(code) if isinstance(code, str) else None
    return float(level.years) if level else None


def person_checks(employees: pd.DataFrame, talent: pd.DataFrame, discipline: pd.DataFrame, rules: Rules,
                  scored_on: object, *, index: NipIndex | None = None) -> Persons:
    """Per person: the person-level failure mask and the values the pair checks need (see :class:`Persons`)."""
    cfg = rules["matching"]
    nips = pd.Index(employees["nip"], name="nip")
    t = aligned(talent, nips)
    on = as_timestamp(scored_on)
    mask = np.zeros(len(nips), dtype="int64")
    mask |= np.where(map_codes(employees["status"], is_active, default=False, dtype="bool"), 0, BIT["active"])
    box = t["box"].to_numpy(dtype="float64", na_value=np.nan)
    in_pool = t["in_succession_pool"].fillna(False).to_numpy(dtype=bool)
    mask |= np.where(np.isin(box, cfg["candidate_boxes"]) & in_pool, 0, BIT["pool"])
    allowed = set(cfg["employment_types"])
    mask |= np.where(map_codes(employees["employment_type"], lambda u: u in allowed, default=False, dtype="bool"),
                     0, BIT["employment"])
    barred = excluded_by_discipline(nips, discipline, scored_on, cfg["exclude_discipline_levels"],
                                    int(cfg["exclude_discipline_window_years"]), index=index).to_numpy()
    mask |= np.where(barred, BIT["discipline"], 0)
    retire = retirement_date(employees["birth_date"], employees["jabatan_level"])
    near_bup = ~(retire > on + pd.DateOffset(years=int(cfg["min_years_to_bup"]))).to_numpy(dtype=bool, na_value=False)
    mask |= np.where(near_bup, BIT["bup"], 0)
    level, level_names = codes(employees["jabatan_level"])
    jtype, jtype_names = codes(employees["jabatan_type"])
    instansi, instansi_names = codes(employees["instansi_id"])
    major, major_names = codes(employees["education_major"])
    return Persons(
        nips=nips, pmask=mask, level=level, level_names=level_names, jtype=jtype, jtype_names=jtype_names,
        instansi=instansi, instansi_names=instansi_names,
        gol_rank=map_codes(employees["golongan"], golongan.rank), edu_years=map_codes(employees["education_level"],
                                                                                     _edu_years),
        major=major, major_names=major_names,
        nilai_talenta=t["nilai_talenta"].to_numpy(dtype="float64", na_value=np.nan),
    )


def considered_pairs(vacancies: pd.DataFrame, persons: Persons, max_per_vacancy: int) -> pd.DataFrame:
    """The sparse set of pairs to evaluate (``vpos``, ``ppos``: row positions in ``vacancies`` and ``persons``).

    Same jabatan level; people ranked eligible first, best nilai talenta first, then by NIP, and dealt
    round-robin into groups of at most ``max_per_vacancy``; vacancies (by id) take the groups in turn.
    Pairs come out by (level, vacancy id). Deterministic, so a re-run considers exactly the same pairs.
    """
    empty = pd.DataFrame({"vpos": np.array([], dtype="int64"), "ppos": np.array([], dtype="int64")})
    if vacancies.empty or len(persons) == 0:
        return empty
    v_level = code_in(persons.level_names, vacancies["jabatan_level"], null=-2)
    v_ids = vacancies["vacancy_id"].astype(str).to_numpy(dtype=object)
    ok = (persons.pmask == 0).astype("int8")
    nt = np.nan_to_num(persons.nilai_talenta, nan=-1.0)
    ppos = np.arange(len(persons))
    # Rows are in NIP order, so position is the NIP tie-break.
    order = np.lexsort((ppos, -nt, -ok, persons.level))
    p_sorted_level = persons.level[order]
    v_parts, p_parts = [], []
    for lvl in np.argsort(persons.level_names.astype(str), kind="stable"):
        vs = np.flatnonzero(v_level == lvl)
        if vs.size == 0:
            continue
        vs = vs[np.argsort(v_ids[vs], kind="stable")]
        lo, hi = np.searchsorted(p_sorted_level, [lvl, lvl + 1])
        kept = order[lo:hi][: vs.size * max_per_vacancy]
        if kept.size == 0:
            continue
        n_groups = max(1, int(np.ceil(kept.size / max_per_vacancy)))
        groups = [kept[g::n_groups] for g in range(n_groups)]
        for j, v in enumerate(vs):
            members = groups[j % n_groups]
            v_parts.append(np.full(members.size, v, dtype="int64"))
            p_parts.append(members)
    if not v_parts:
        return empty
    return pd.DataFrame({"vpos": np.concatenate(v_parts), "ppos": np.concatenate(p_parts).astype("int64")})


def evaluate_pairs(pairs: pd.DataFrame, vacancies: pd.DataFrame, persons: Persons, axes: pd.DataFrame,
                   rules: Rules) -> pd.DataFrame:
    """Eligibility mask, reasons and fit for each considered pair (``vpos``, ``ppos``).

    Fit (0-100 before the sector weight) follows the rule file's ``fit_weights``: potkom (mean of the
    person's kompetensi and potensi), kualifikasi (education points and the field fit of the person's
    major to the *vacancy's* jabatan) and integritas; ``fit_score`` multiplies it by the vacancy sector's
    priority weight. Ineligible pairs have a null fit. ``axes`` is aligned with ``persons``.
    """
    cfg = rules["matching"]
    vp, pp = pairs["vpos"].to_numpy(dtype="int64"), pairs["ppos"].to_numpy(dtype="int64")
    mask = persons.pmask[pp].copy()
    v_inst = code_in(persons.instansi_names, vacancies["instansi_id"], null=-2)
    mask |= np.where(v_inst[vp] == persons.instansi[pp], BIT["agency"], 0)
    v_level = code_in(persons.level_names, vacancies["jabatan_level"], null=-2)
    # A missing jabatan type on both sides counts as the same type (as an empty text would).
    v_type = code_in(persons.jtype_names, vacancies["jabatan_type"], null=-1)
    same_job = (v_level[vp] == persons.level[pp]) & (v_type[vp] == persons.jtype[pp])
    mask |= np.where(same_job, 0, BIT["jenjang"])
    need_gol = map_codes(vacancies["min_golongan"], golongan.rank)[vp]
    mask |= np.where(np.isnan(need_gol) | (persons.gol_rank[pp] >= need_gol), 0, BIT["golongan"])
    need_edu = map_codes(vacancies["min_education"], _edu_years)[vp]
    mask |= np.where(np.isnan(need_edu) | (persons.edu_years[pp] >= need_edu), 0, BIT["education"])

    ax = aligned(axes, persons.nips)
    kp = ax[["kompetensi", "potensi"]].to_numpy(dtype="float64", na_value=np.nan)
    n_kp = (~np.isnan(kp)).sum(axis=1)
    potkom_p = np.divide(np.nansum(kp, axis=1), n_kp, out=np.full(len(kp), np.nan), where=n_kp > 0)
    potkom = potkom_p[pp]
    j_codes, j_names = codes(vacancies["jabatan_name"])
    field = field_fit_table(j_names, persons.major_names, rules)[j_codes[vp], persons.major[pp]]
    edu_pts = ax["pendidikan"].to_numpy(dtype="float64", na_value=np.nan)[pp]
    kual = np.where(np.isnan(field), edu_pts, 0.5 * edu_pts + 0.5 * field)
    kual = np.where(np.isnan(kual), 0.0, kual)
    integ = ax["integritas"].to_numpy(dtype="float64", na_value=np.nan)[pp]
    w = cfg["fit_weights"]
    base = float(w["potkom"]) * potkom + float(w["kualifikasi"]) * kual + float(w["integritas"]) * integ
    sector_w = map_codes(vacancies["sector"], {k: float(x) for k, x in cfg["sector_weights"].items()},
                         default=1.0)[vp]
    eligible = mask == 0
    out = pd.DataFrame({
        "vpos": vp, "ppos": pp,
        "eligible": eligible,
        "fit_score": np.where(eligible, np.round(base * sector_w, 4), np.nan),
        "mask": mask,
        "potkom": potkom, "kualifikasi": kual, "integritas": integ, "sector_weight": sector_w,
    })
    unique = np.unique(mask)
    texts = {int(m): reasons_for_mask(int(m)) for m in unique}
    out["reasons"] = pd.Categorical.from_codes(np.searchsorted(unique, mask), [texts[int(m)] for m in unique])
    return out
