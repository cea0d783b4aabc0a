"""The two 9-box axes, kinerja (Sumbu Y) and potensial (Sumbu X), each 0-100, vectorised.

Each axis is a weighted mean of components (weights in the rule file). A component without data for a
person is left out and the others re-weighted, except a *required* component: when it is missing the
person's outcome is ``insufficient_data`` (never a low score), with the reason named.

Only job-related inputs are read: predikat, assessment, education, jabatan history and discipline.
Gender, religion, birth place and marital status are never looked at (tests hold this).
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from talenta.scoring.rules import Rules

_DISCIPLINE_RANK = {"R": 1, "S": 2, "B": 3}


def as_timestamp(value: object) -> pd.Timestamp:
    """A scored_on date (``date``, ISO string or Timestamp) as a normalised Timestamp."""
    ts = pd.Timestamp(value if not isinstance(value, date) else value.isoformat())
    return ts.normalize()


def to_datetime(series: pd.Series) -> pd.Series:
    """A date column as datetime64 whatever it arrived as (Arrow date32, ``date`` objects, strings)."""
    return pd.to_datetime(series, errors="coerce")


def combine(components: pd.DataFrame, spec: dict[str, dict]) -> tuple[pd.Series, pd.Series]:
    """Weighted mean of the available components and the reason text when a required one is missing.

    ``components`` has one column per component named in ``spec`` (NaN = no data for that person).
    Returns ``(score, missing)``: ``score`` is NaN and ``missing`` names the component(s) when any
    required component is NaN.
    """
    num = pd.Series(0.0, index=components.index)
    den = pd.Series(0.0, index=components.index)
    missing = pd.Series("", index=components.index, dtype=object)
    for name, comp in spec.items():
        values = components[name] if name in components else pd.Series(np.nan, index=components.index)
        present = values.notna()
        weight = float(comp["weight"])
        num += values.fillna(0.0) * weight
        den += present * weight
        if comp.get("required"):
            missing = missing.where(present, missing + f"{name};")
    score = (num / den.replace(0.0, np.nan)).round(4)
    missing = missing.str.rstrip(";").replace("", None)
    return score.where(missing.isna()), missing


def kinerja_components(nips: pd.Index, performance: pd.DataFrame, rules: Rules, scored_on: object) -> pd.DataFrame:
    """Kinerja components per NIP: ``utama`` from the SKP predikat of the window, plus rating count.

    The window is the last ``window_years`` completed years before ``scored_on`` (the SKP of year Y is
    final early in Y+1); the most recent year weighs ``year_weights[0]``. Several ratings for the same
    year (two sources) are averaged.
    """
    cfg = rules["kinerja"]
    last = as_timestamp(scored_on).year - 1
    year_weight = {last - i: float(w) for i, w in enumerate(cfg["year_weights"])}
    perf = performance.loc[performance["nip"].isin(nips), ["nip", "year", "predikat"]]
    perf = perf.assign(year=pd.to_numeric(perf["year"], errors="coerce"))
    perf = perf[perf["year"].isin(list(year_weight))]
    perf = perf.assign(points=perf["predikat"].map(cfg["predikat_points"]).astype(float)).dropna(subset=["points"])
    per_year = perf.groupby(["nip", "year"], sort=False)["points"].mean().reset_index()
    per_year["w"] = per_year["year"].map(year_weight)
    per_year["wp"] = per_year["w"] * per_year["points"]
    agg = per_year.groupby("nip", sort=False).agg(wp=("wp", "sum"), w=("w", "sum"), n=("points", "size"))
    out = pd.DataFrame(index=nips)
    out["n_ratings"] = agg["n"].reindex(nips).fillna(0).astype("int64")
    utama = (agg["wp"] / agg["w"]).reindex(nips)
    out["utama"] = utama.where(out["n_ratings"] >= int(cfg["min_ratings"]))
    return out


def latest_assessment(assessment: pd.DataFrame, rules: Rules, scored_on: object) -> pd.DataFrame:
    """The latest assessment per NIP not older than ``assessment_max_age_years`` and not in the future."""
    on = as_timestamp(scored_on)
    oldest = on - pd.DateOffset(years=int(rules["potensial"]["assessment_max_age_years"]))
    a = assessment.assign(assessed_on=to_datetime(assessment["assessed_on"]))
    a = a[(a["assessed_on"] <= on) & (a["assessed_on"] > oldest)]
    a = a.sort_values(["nip", "assessed_on", "method"], kind="stable")
    return a.drop_duplicates("nip", keep="last").set_index("nip")


def discipline_summary(discipline: pd.DataFrame, scored_on: object, window_years: int) -> pd.DataFrame:
    """Per NIP: the worst level (``R``/``S``/``B``) decided in the window and whether a penalty is being served."""
    on = as_timestamp(scored_on)
    d = discipline.assign(decided_on=to_datetime(discipline["decided_on"]), ends_on=to_datetime(discipline["ends_on"]))
    d = d[d["decided_on"] <= on]
    d = d.assign(rank=d["level"].map(_DISCIPLINE_RANK))
    in_window = d[d["decided_on"] > on - pd.DateOffset(years=window_years)]
    serving = d[d["ends_on"].notna() & (d["ends_on"] >= on)]
    worst = in_window.groupby("nip")["rank"].max()
    out = pd.DataFrame({"worst_rank": worst})
    out = out.join(pd.Series(True, index=pd.Index(serving["nip"].unique(), name="nip"), name="serving"), how="outer")
    out["serving"] = out["serving"].fillna(False).astype(bool)
    inverse = {v: k for k, v in _DISCIPLINE_RANK.items()}
    out["worst_level"] = out["worst_rank"].map(inverse)
    return out


def excluded_by_discipline(
    nips: pd.Index, discipline: pd.DataFrame, scored_on: object, levels: list[str], window_years: int
) -> pd.Series:
    """True for a NIP with a penalty of one of ``levels`` in the window, or a penalty being served."""
    summary = discipline_summary(discipline, scored_on, window_years).reindex(nips)
    hit = summary["worst_level"].isin(levels) | summary["serving"].fillna(False).astype(bool)
    return hit.astype(bool)


def integrity_points(nips: pd.Index, discipline: pd.DataFrame, rules: Rules, scored_on: object) -> pd.Series:
    """Integritas points per NIP: no record 100, else by the worst level in the window; 0 while serving."""
    pts = rules["integritas"]["points"]
    summary = discipline_summary(discipline, scored_on, int(rules["integritas"]["window_years"])).reindex(nips)
    points = summary["worst_level"].map({k: float(v) for k, v in pts.items()}).fillna(float(pts["none"]))
    return points.where(~summary["serving"].fillna(False).astype(bool), float(pts["serving"])).astype(float)


def experience_points(tmt_jabatan: pd.Series, rules: Rules, scored_on: object) -> pd.Series:
    """Points for years in the current jabatan (thresholds in the rule file); NaN when unknown."""
    years = (as_timestamp(scored_on) - to_datetime(tmt_jabatan)).dt.days / 365.25
    out = pd.Series(np.nan, index=tmt_jabatan.index)
    # Thresholds are applied from the lowest up so the highest matching one wins.
    for step in sorted(rules["potensial"]["experience_points"], key=lambda s: s["min_years"]):
        out = out.mask(years >= float(step["min_years"]), float(step["points"]))
    return out


def field_fit_points(jabatan_name: pd.Series, major: pd.Series, rules: Rules) -> pd.Series:
    """Kesesuaian bidang: match/mismatch points when a rule covers the jabatan, NaN when none does.

    The first rule whose jabatan pattern matches decides. Patterns run on the distinct names only
    (a few thousand), not on millions of rows.
    """
    cfg = rules["potensial"]["field_fit"]
    jab_codes, jab_uniques = pd.factorize(jabatan_name.fillna("").astype(str))
    maj_codes, maj_uniques = pd.factorize(major.fillna("").astype(str))
    jab_u, maj_u = pd.Series(jab_uniques, dtype=object), pd.Series(maj_uniques, dtype=object)
    rule_of_jab = np.full(len(jab_u), -1, dtype="int64")
    fits = np.zeros((len(cfg["rules"]), len(maj_u)), dtype=bool)
    for i, rule in reversed(list(enumerate(cfg["rules"]))):
        covered = jab_u.str.contains(rule["jabatan"], flags=re.IGNORECASE, regex=True).to_numpy(dtype=bool)
        rule_of_jab[covered] = i
        fits[i] = maj_u.str.contains(rule["major"], flags=re.IGNORECASE, regex=True).to_numpy(dtype=bool)
    rule_idx = rule_of_jab[jab_codes] if len(jab_codes) else np.array([], dtype="int64")
    has_rule = (rule_idx >= 0) & major.notna().to_numpy()
    fit = np.zeros(len(rule_idx), dtype=bool)
    if len(fits) and has_rule.any():
        fit[has_rule] = fits[rule_idx[has_rule], maj_codes[has_rule]]
    values = np.where(fit, float(cfg["match_points"]), float(cfg["mismatch_points"]))
    return pd.Series(np.where(has_rule, values, np.nan), index=jabatan_name.index)


def potkom(assess: pd.DataFrame) -> pd.DataFrame:
    """Kompetensi (JPM %, else the mean of the three kompetensi scores) and potensi from assessments."""
    kompetensi_parts = assess[["kompetensi_manajerial", "kompetensi_sosiokultural", "kompetensi_teknis"]]
    kompetensi = assess["jpm_pct"].astype(float).fillna(kompetensi_parts.astype(float).mean(axis=1))
    return pd.DataFrame({
        "kompetensi": kompetensi.clip(0, 100),
        "potensi": assess["potensi_score"].astype(float).clip(0, 100),
    })


def potensial_components(
    employees: pd.DataFrame, assessment: pd.DataFrame, discipline: pd.DataFrame, rules: Rules, scored_on: object
) -> pd.DataFrame:
    """Potensial components per NIP (index): assessment, experience, education, field fit, integritas."""
    emp = employees.set_index("nip")
    out = potkom(latest_assessment(assessment, rules, scored_on)).reindex(emp.index)
    out["pengalaman_jabatan"] = experience_points(emp["tmt_jabatan"], rules, scored_on)
    edu_points = {k: float(v) for k, v in rules["potensial"]["education_points"].items()}
    out["pendidikan"] = emp["education_level"].map(edu_points).astype(float)
    out["kesesuaian_bidang"] = field_fit_points(emp["jabatan_name"], emp["education_major"], rules)
    out["integritas"] = integrity_points(emp.index, discipline, rules, scored_on)
    out["pengembangan_kompetensi"] = np.nan  # no diklat history in the warehouse yet
    return out


def compute_axes(
    employees: pd.DataFrame,
    performance: pd.DataFrame,
    assessment: pd.DataFrame,
    discipline: pd.DataFrame,
    rules: Rules,
    scored_on: object,
) -> pd.DataFrame:
    """Both axes for every employee (index = nip), with components and what is missing.

    Columns: the components, ``kinerja_score``, ``potensial_score`` (NaN when a required component is
    missing), ``kinerja_missing`` / ``potensial_missing`` (names of missing required components).
    """
    nips = pd.Index(employees["nip"], name="nip")
    kin = kinerja_components(nips, performance, rules, scored_on)
    kin_score, kin_missing = combine(kin, rules["kinerja"]["components"])
    pot = potensial_components(employees, assessment, discipline, rules, scored_on)
    pot_score, pot_missing = combine(pot, rules["potensial"]["components"])
    out = pd.concat([kin, pot], axis=1)
    out["kinerja_score"] = kin_score
    out["potensial_score"] = pot_score
    out["kinerja_missing"] = kin_missing
    out["potensial_missing"] = pot_missing
    return out
