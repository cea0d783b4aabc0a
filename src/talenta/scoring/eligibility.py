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

import numpy as np
import pandas as pd

from talenta.domain import education, golongan, jabatan
from talenta.domain.codes import is_active
from talenta.scoring.axes import as_timestamp, excluded_by_discipline, field_fit_points, to_datetime
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
    bup_years = jabatan_level.map(jabatan.bup).astype("int64")
    born = to_datetime(birth_date)
    year = born.dt.year + bup_years
    month = born.dt.month
    frame = pd.DataFrame({"year": year, "month": month, "day": 1})
    return pd.to_datetime(frame, errors="coerce") + pd.DateOffset(months=1)


def person_checks(employees: pd.DataFrame, talent: pd.DataFrame, discipline: pd.DataFrame, rules: Rules,
                  scored_on: object) -> pd.DataFrame:
    """Per person (index = nip): the person-level failure mask and the values the pair checks need."""
    cfg = rules["matching"]
    emp = employees.set_index("nip")
    on = as_timestamp(scored_on)
    mask = pd.Series(0, index=emp.index, dtype="int64")
    mask += (~emp["status"].map(is_active).astype(bool)) * BIT["active"]
    box = talent["box"].reindex(emp.index)
    in_pool = talent["in_succession_pool"].reindex(emp.index).fillna(False).astype(bool)
    mask += (~(box.isin(cfg["candidate_boxes"]) & in_pool)) * BIT["pool"]
    mask += (~emp["employment_type"].isin(cfg["employment_types"])) * BIT["employment"]
    barred = excluded_by_discipline(emp.index, discipline, scored_on, cfg["exclude_discipline_levels"],
                                    int(cfg["exclude_discipline_window_years"]))
    mask += barred * BIT["discipline"]
    retire = retirement_date(emp["birth_date"], emp["jabatan_level"])
    near_bup = ~(retire > on + pd.DateOffset(years=int(cfg["min_years_to_bup"])))
    mask += near_bup * BIT["bup"]
    out = pd.DataFrame({"pmask": mask.astype("int64")}, index=emp.index)
    out["instansi_id"] = emp["instansi_id"]
    out["region_code"] = emp["region_code"]
    out["jabatan_type"] = emp["jabatan_type"]
    out["jabatan_level"] = emp["jabatan_level"]
    out["gol_rank"] = emp["golongan"].map(golongan.rank).astype("float64")
    out["edu_years"] = emp["education_level"].map(lambda c: education.BY_CODE[c].years if c in education.BY_CODE
                                                  else np.nan).astype("float64")
    out["education_major"] = emp["education_major"]
    out["nilai_talenta"] = talent["nilai_talenta"].reindex(emp.index).astype("float64")
    return out


def considered_pairs(vacancies: pd.DataFrame, persons: pd.DataFrame, max_per_vacancy: int) -> pd.DataFrame:
    """The sparse set of (vacancy_id, nip) pairs to evaluate: same jabatan level, dealt in groups.

    ``persons`` is the output of :func:`person_checks`. Deterministic: ties are broken by NIP and
    vacancy id, so a re-run considers exactly the same pairs.
    """
    if vacancies.empty or persons.empty:
        return pd.DataFrame({"vacancy_id": pd.Series([], dtype=object), "nip": pd.Series([], dtype=object)})
    p = persons.reset_index()[["nip", "jabatan_level", "pmask", "nilai_talenta"]]
    p = p.assign(ok=(p["pmask"] == 0).astype("int8"), nt=p["nilai_talenta"].fillna(-1.0))
    p = p.sort_values(["jabatan_level", "ok", "nt", "nip"], ascending=[True, False, False, True], kind="stable")
    v = vacancies[["vacancy_id", "jabatan_level"]].sort_values(["jabatan_level", "vacancy_id"], kind="stable")
    n_vac = v.groupby("jabatan_level").size()
    p = p[p["jabatan_level"].isin(n_vac.index)]
    p = p.assign(pos=p.groupby("jabatan_level").cumcount())
    p = p[p["pos"] < p["jabatan_level"].map(n_vac).astype("int64") * max_per_vacancy]
    n_kept = p.groupby("jabatan_level").size()
    groups = np.maximum(1, np.ceil(n_kept / max_per_vacancy)).astype("int64")
    p = p.assign(group=p["pos"] % p["jabatan_level"].map(groups))
    v = v.assign(group=v.groupby("jabatan_level").cumcount() % v["jabatan_level"].map(groups).fillna(1).astype("int64"))
    pairs = v.merge(p[["jabatan_level", "group", "nip"]], on=["jabatan_level", "group"], how="inner")
    return pairs[["vacancy_id", "nip"]].reset_index(drop=True)


def evaluate_pairs(pairs: pd.DataFrame, vacancies: pd.DataFrame, persons: pd.DataFrame, axes: pd.DataFrame,
                   rules: Rules) -> pd.DataFrame:
    """Eligibility mask, reasons and fit for each considered pair.

    Fit (0-100 before the sector weight) follows the rule file's ``fit_weights``: potkom (mean of the
    person's kompetensi and potensi), kualifikasi (education points and the field fit of the person's
    major to the *vacancy's* jabatan) and integritas; ``fit_score`` multiplies it by the vacancy sector's
    priority weight. Ineligible pairs have a null fit.
    """
    cfg = rules["matching"]
    vac = vacancies.set_index("vacancy_id")
    vi = vac.reindex(pairs["vacancy_id"])
    pi = persons.reindex(pairs["nip"])
    mask = pi["pmask"].to_numpy().copy()
    mask |= np.where(vi["instansi_id"].to_numpy() == pi["instansi_id"].to_numpy(), BIT["agency"], 0)
    same_job = (vi["jabatan_level"].to_numpy() == pi["jabatan_level"].to_numpy()) & (
        vi["jabatan_type"].fillna("").to_numpy() == pi["jabatan_type"].fillna("").to_numpy())
    mask |= np.where(same_job, 0, BIT["jenjang"])
    need_gol = vi["min_golongan"].map(golongan.rank).astype("float64").to_numpy()
    gol_ok = np.isnan(need_gol) | (pi["gol_rank"].to_numpy() >= need_gol)
    mask |= np.where(gol_ok, 0, BIT["golongan"])
    need_edu = vi["min_education"].map(lambda c: education.BY_CODE[c].years if c in education.BY_CODE
                                       else np.nan).astype("float64").to_numpy()
    edu_ok = np.isnan(need_edu) | (pi["edu_years"].to_numpy() >= need_edu)
    mask |= np.where(edu_ok, 0, BIT["education"])

    ax = axes.reindex(pairs["nip"])
    potkom = ax[["kompetensi", "potensi"]].mean(axis=1).to_numpy()
    field = field_fit_points(vi["jabatan_name"].reset_index(drop=True), pi["education_major"].reset_index(drop=True),
                             rules).to_numpy()
    edu_pts = ax["pendidikan"].to_numpy()
    kual = np.where(np.isnan(field), edu_pts, 0.5 * edu_pts + 0.5 * field)
    kual = np.where(np.isnan(kual), 0.0, kual)
    integ = ax["integritas"].to_numpy()
    w = cfg["fit_weights"]
    base = float(w["potkom"]) * potkom + float(w["kualifikasi"]) * kual + float(w["integritas"]) * integ
    sector_w = vi["sector"].map({k: float(x) for k, x in cfg["sector_weights"].items()}).fillna(1.0).to_numpy()
    eligible = mask == 0
    out = pd.DataFrame({
        "vacancy_id": pairs["vacancy_id"].to_numpy(),
        "nip": pairs["nip"].to_numpy(),
        "eligible": eligible,
        "fit_score": np.where(eligible, np.round(base * sector_w, 4), np.nan),
        "mask": mask,
        "potkom": potkom, "kualifikasi": kual, "integritas": integ, "sector_weight": sector_w,
        "from_region_code": pi["region_code"].to_numpy(),
        "to_region_code": vi["region_code"].to_numpy(),
        "sector": vi["sector"].to_numpy(),
    })
    unique = np.unique(mask)
    texts = {int(m): reasons_for_mask(int(m)) for m in unique}
    out["reasons"] = pd.Categorical.from_codes(np.searchsorted(unique, mask), [texts[int(m)] for m in unique])
    return out
