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
    return pd.DataFrame({"vpos": np.concatenate(v_parts), "ppos": np.concatenate(p_parts).astype("int64", copy=False)},
                        copy=False)


PAIR_CHUNK_ROWS = 1_000_000  # pairs evaluated at a time: bounds the temporaries at national scale (9 M pairs)
COMPONENTS = ("potkom", "kualifikasi", "integritas", "sector_weight")


class _PairContext:
    """Per-vacancy and per-person values the pair checks and the fit read, computed once."""

    def __init__(self, vacancies: pd.DataFrame, persons: Persons, axes: pd.DataFrame, rules: Rules):
        cfg = rules["matching"]
        self.persons = persons
        self.v_inst = code_in(persons.instansi_names, vacancies["instansi_id"], null=-2)
        self.v_level = code_in(persons.level_names, vacancies["jabatan_level"], null=-2)
        # A missing jabatan type on both sides counts as the same type (as an empty text would).
        self.v_type = code_in(persons.jtype_names, vacancies["jabatan_type"], null=-1)
        self.need_gol = map_codes(vacancies["min_golongan"], golongan.rank)
        self.need_edu = map_codes(vacancies["min_education"], _edu_years)
        ax = aligned(axes, persons.nips)
        kp = ax[["kompetensi", "potensi"]].to_numpy(dtype="float64", na_value=np.nan)
        n_kp = (~np.isnan(kp)).sum(axis=1)
        self.potkom_p = np.divide(np.nansum(kp, axis=1), n_kp, out=np.full(len(kp), np.nan), where=n_kp > 0)
        del kp, n_kp
        self.j_codes, j_names = codes(vacancies["jabatan_name"])
        self.field_table = field_fit_table(j_names, persons.major_names, rules)
        self.edu_pts = ax["pendidikan"].to_numpy(dtype="float64", na_value=np.nan)
        self.integ = ax["integritas"].to_numpy(dtype="float64", na_value=np.nan)
        w = cfg["fit_weights"]
        self.w = (float(w["potkom"]), float(w["kualifikasi"]), float(w["integritas"]))
        self.sector_w = map_codes(vacancies["sector"], {k: float(x) for k, x in cfg["sector_weights"].items()},
                                  default=1.0)

    def mask(self, vp: np.ndarray, pp: np.ndarray) -> np.ndarray:
        """Failed-check bit mask per pair (person-level bits included), int64."""
        p = self.persons
        mask = p.pmask[pp]
        mask[self.v_inst[vp] == p.instansi[pp]] |= BIT["agency"]
        same_job = self.v_level[vp] == p.level[pp]
        same_job &= self.v_type[vp] == p.jtype[pp]
        mask[~same_job] |= BIT["jenjang"]
        del same_job
        need_gol = self.need_gol[vp]
        mask[~(np.isnan(need_gol) | (p.gol_rank[pp] >= need_gol))] |= BIT["golongan"]
        del need_gol
        need_edu = self.need_edu[vp]
        mask[~(np.isnan(need_edu) | (p.edu_years[pp] >= need_edu))] |= BIT["education"]
        return mask

    def components(self, vp: np.ndarray, pp: np.ndarray) -> dict[str, np.ndarray]:
        """The fit components per pair: potkom, kualifikasi, integritas and the vacancy's sector weight."""
        potkom = self.potkom_p[pp]
        field = self.field_table[self.j_codes[vp], self.persons.major[pp]]
        edu_pts = self.edu_pts[pp]
        kual = np.where(np.isnan(field), edu_pts, 0.5 * edu_pts + 0.5 * field)
        del field, edu_pts
        kual = np.where(np.isnan(kual), 0.0, kual)
        return {"potkom": potkom, "kualifikasi": kual, "integritas": self.integ[pp], "sector_weight": self.sector_w[vp]}

    def fit(self, comps: dict[str, np.ndarray], eligible: np.ndarray) -> np.ndarray:
        """Fit score (rounded to 4 decimals) of eligible pairs, NaN for the others."""
        wp, wk, wi = self.w
        base = wp * comps["potkom"] + wk * comps["kualifikasi"] + wi * comps["integritas"]
        return np.where(eligible, np.round(base * comps["sector_weight"], 4), np.nan)


def evaluate_pairs(pairs: pd.DataFrame, vacancies: pd.DataFrame, persons: Persons, axes: pd.DataFrame,
                   rules: Rules, *, components: bool = True) -> pd.DataFrame:
    """Eligibility mask, reasons and fit for each considered pair (``vpos``, ``ppos``).

    Fit (0-100 before the sector weight) follows the rule file's ``fit_weights``: potkom (mean of the
    person's kompetensi and potensi), kualifikasi (education points and the field fit of the person's
    major to the *vacancy's* jabatan) and integritas; ``fit_score`` multiplies it by the vacancy sector's
    priority weight. Ineligible pairs have a null fit. ``axes`` is aligned with ``persons``.

    Pairs are evaluated ``PAIR_CHUNK_ROWS`` at a time into preallocated columns (``mask`` is int16, the
    checks fit in 9 bits). With ``components=False`` the four per-pair fit components (``COMPONENTS``)
    are left out: at national scale they are 4 × 9 M floats of which only the shortlist is needed
    (:func:`pair_components` computes them for chosen pairs, with the same arithmetic).
    """
    vp, pp = pairs["vpos"].to_numpy(dtype="int64"), pairs["ppos"].to_numpy(dtype="int64")
    ctx = _PairContext(vacancies, persons, axes, rules)
    n = vp.size
    mask = np.empty(n, dtype="int16")
    fit = np.empty(n, dtype="float64")
    comps_out = {c: np.empty(n, dtype="float64") for c in COMPONENTS} if components else {}
    for lo in range(0, n, PAIR_CHUNK_ROWS):
        hi = min(n, lo + PAIR_CHUNK_ROWS)
        cvp, cpp = vp[lo:hi], pp[lo:hi]
        m = ctx.mask(cvp, cpp)
        comps = ctx.components(cvp, cpp)
        fit[lo:hi] = ctx.fit(comps, m == 0)
        mask[lo:hi] = m
        for c, values in comps_out.items():
            values[lo:hi] = comps[c]
        del m, comps
    eligible = mask == 0
    unique = np.unique(mask)
    texts = {int(m): reasons_for_mask(int(m)) for m in unique}
    reasons = pd.Categorical.from_codes(np.searchsorted(unique, mask).astype(_code_dtype(unique.size)),
                                        [texts[int(m)] for m in unique])
    # copy=False: each column keeps its own array (no 2-D block copy of 9 M rows).
    return pd.DataFrame({"vpos": vp, "ppos": pp, "eligible": eligible, "fit_score": fit, "mask": mask, **comps_out,
                         "reasons": reasons}, copy=False)


def _code_dtype(n: int) -> str:
    return "int8" if n < 127 else "int16" if n < 32767 else "int32"


def pair_components(vpos: np.ndarray, ppos: np.ndarray, vacancies: pd.DataFrame, persons: Persons,
                    axes: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The fit components (``COMPONENTS``) of the given pairs, as :func:`evaluate_pairs` computes them."""
    ctx = _PairContext(vacancies, persons, axes, rules)
    return pd.DataFrame(ctx.components(np.asarray(vpos, dtype="int64"), np.asarray(ppos, dtype="int64")))
