"""The two 9-box axes, kinerja (Sumbu Y) and potensial (Sumbu X), each 0-100, vectorised.

Each axis is a weighted mean of components (weights in the rule file). A component without data for a
person is left out and the others re-weighted, except a *required* component: when it is missing the
person's outcome is ``insufficient_data`` (never a low score), with the reason named.

Only job-related inputs are read: predikat, assessment, education, jabatan history and discipline.
Gender, religion, birth place and marital status are never looked at (tests hold this).

Everything works on positions in the employee table (:mod:`talenta.scoring.encode`), so a national run
never hashes NIP strings per row.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from talenta.scoring.encode import NipIndex, codes, map_codes
from talenta.scoring.rules import Rules

_DISCIPLINE_RANK = {"R": 1, "S": 2, "B": 3}
RATING_CHUNK_ROWS = 2_000_000  # performance ratings read at a time (bounds the temporaries, issue #8)


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
    n = len(components)
    num, den = np.zeros(n), np.zeros(n)
    miss = np.zeros(n, dtype="int64")
    required: list[str] = []
    for name, comp in spec.items():
        values = (components[name].to_numpy(dtype="float64", na_value=np.nan) if name in components
                  else np.full(n, np.nan))
        present = ~np.isnan(values)
        weight = float(comp["weight"])
        num += np.where(present, values, 0.0) * weight
        den += present * weight
        if comp.get("required"):
            # One bit per required component: the reason texts are built per distinct mask, not per row.
            miss |= np.where(present, 0, 1 << len(required))
            required.append(name)
    score = np.round(np.divide(num, den, out=np.full(n, np.nan), where=den > 0), 4)
    uniq = np.unique(miss)
    texts = np.array([";".join(r for i, r in enumerate(required) if m & (1 << i)) or None for m in uniq], dtype=object)
    missing = texts[np.searchsorted(uniq, miss)] if n else np.array([], dtype=object)
    return (pd.Series(np.where(miss == 0, score, np.nan), index=components.index),
            pd.Series(missing, index=components.index, dtype=object))


def kinerja_components(nips: pd.Index, performance: pd.DataFrame, rules: Rules, scored_on: object, *,
                       index: NipIndex | None = None) -> pd.DataFrame:
    """Kinerja components per NIP: ``utama`` from the SKP predikat of the window, plus rating count.

    The window is the last ``window_years`` completed years before ``scored_on`` (the SKP of year Y is
    final early in Y+1); the most recent year weighs ``year_weights[0]``. Several ratings for the same
    year (two sources) are averaged. ``index`` is a prebuilt :class:`NipIndex` of ``nips``.
    """
    cfg = rules["kinerja"]
    weights = np.array([float(w) for w in cfg["year_weights"]])
    years = as_timestamp(scored_on).year - 1 - np.arange(weights.size)
    ix = index if index is not None else NipIndex(nips)
    n, n_years = len(nips), weights.size
    predikat_points = {k: float(v) for k, v in cfg["predikat_points"].items()}
    # Ratings (9.4 M at national scale) are read RATING_CHUNK_ROWS at a time; only the (slot, points) of
    # usable ratings are kept, in row order, so the sums below add up exactly as over the whole table.
    keys, kept_points = [], []
    for lo in range(0, len(performance), RATING_CHUNK_ROWS):
        part = performance.iloc[lo:lo + RATING_CHUNK_ROWS]
        year = pd.to_numeric(part["year"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        slot = np.full(len(part), -1, dtype="int64")
        for j, y in enumerate(years):
            slot[year == y] = j
        points = map_codes(part["predikat"], predikat_points)
        pos = ix.positions(part["nip"])
        ok = (pos >= 0) & (slot >= 0) & ~np.isnan(points)
        keys.append(pos[ok] * n_years + slot[ok])
        kept_points.append(points[ok])
        del part, year, slot, points, pos, ok
    key = np.concatenate(keys) if keys else np.array([], dtype="int64")
    points = np.concatenate(kept_points) if kept_points else np.array([], dtype="float64")
    del keys, kept_points
    total = np.bincount(key, weights=points, minlength=n * n_years).astype("float64").reshape(n, n_years)
    count = np.bincount(key, minlength=n * n_years).reshape(n, n_years)
    has = count > 0
    mean = np.divide(total, count, out=np.zeros_like(total), where=has)
    wsum = (has * weights).sum(axis=1)
    n_ratings = has.sum(axis=1).astype("int64")
    utama = np.divide((mean * weights).sum(axis=1), wsum, out=np.full(n, np.nan), where=wsum > 0)
    utama = np.where(n_ratings >= int(cfg["min_ratings"]), utama, np.nan)
    return pd.DataFrame({"n_ratings": n_ratings, "utama": utama}, index=nips)


def latest_assessment_rows(assessment: pd.DataFrame, positions: np.ndarray, rules: Rules,
                           scored_on: object) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of each person's latest assessment not older than ``assessment_max_age_years`` and not
    in the future, and the person positions they belong to (``positions``: person of each row, -1 unknown).

    Ties on the date are broken by method, then by the later row.
    """
    on = as_timestamp(scored_on)
    oldest = on - pd.DateOffset(years=int(rules["potensial"]["assessment_max_age_years"]))
    dates = to_datetime(assessment["assessed_on"]).to_numpy(dtype="datetime64[ns]")
    ok = (positions >= 0) & (dates <= on.to_datetime64()) & (dates > oldest.to_datetime64())
    rows = np.flatnonzero(ok)
    m_idx, m_uniq = codes(assessment["method"])
    rank = np.append(np.argsort(np.argsort(m_uniq.astype(str), kind="stable")), len(m_uniq))
    order = np.lexsort((rank[m_idx[rows]], dates[rows].view("int64"), positions[rows]))
    rows, pos = rows[order], positions[rows][order]
    last = np.ones(rows.size, dtype=bool)
    last[:-1] = pos[1:] != pos[:-1]
    return rows[last], pos[last]


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


def _scatter(nips: pd.Index, index: NipIndex | None, small: pd.Series, fill: object, dtype: str) -> pd.Series:
    """Values of a small NIP-indexed series spread over ``nips`` (``fill`` elsewhere), without reindexing."""
    ix = index if index is not None else NipIndex(nips)
    pos = ix.positions(small.index.to_series())
    out = np.full(len(nips), fill, dtype=dtype)
    keep = pos >= 0
    out[pos[keep]] = small.to_numpy(dtype=dtype)[keep]
    return pd.Series(out, index=nips)


def excluded_by_discipline(
    nips: pd.Index, discipline: pd.DataFrame, scored_on: object, levels: list[str], window_years: int, *,
    index: NipIndex | None = None,
) -> pd.Series:
    """True for a NIP with a penalty of one of ``levels`` in the window, or a penalty being served."""
    summary = discipline_summary(discipline, scored_on, window_years)
    hit = summary["worst_level"].isin(levels) | summary["serving"].fillna(False).astype(bool)
    return _scatter(nips, index, hit.astype(bool), False, "bool")


def integrity_points(nips: pd.Index, discipline: pd.DataFrame, rules: Rules, scored_on: object, *,
                     index: NipIndex | None = None) -> pd.Series:
    """Integritas points per NIP: no record 100, else by the worst level in the window; 0 while serving."""
    pts = rules["integritas"]["points"]
    summary = discipline_summary(discipline, scored_on, int(rules["integritas"]["window_years"]))
    points = summary["worst_level"].map({k: float(v) for k, v in pts.items()}).fillna(float(pts["none"]))
    points = points.where(~summary["serving"].fillna(False).astype(bool), float(pts["serving"])).astype(float)
    return _scatter(nips, index, points, float(pts["none"]), "float64")


def experience_points(tmt_jabatan: pd.Series, rules: Rules, scored_on: object) -> pd.Series:
    """Points for years in the current jabatan (thresholds in the rule file); NaN when unknown."""
    years = ((as_timestamp(scored_on) - to_datetime(tmt_jabatan)).dt.days / 365.25).to_numpy(
        dtype="float64", na_value=np.nan)
    out = np.full(years.size, np.nan)
    # Thresholds are applied from the lowest up so the highest matching one wins.
    for step in sorted(rules["potensial"]["experience_points"], key=lambda s: s["min_years"]):
        out[years >= float(step["min_years"])] = float(step["points"])
    return pd.Series(out, index=tmt_jabatan.index)


def field_fit_table(jabatan_names: np.ndarray, majors: np.ndarray, rules: Rules) -> np.ndarray:
    """Kesesuaian bidang points for every (distinct jabatan name, distinct major) pair.

    Shape ``(len(jabatan_names) + 1, len(majors) + 1)``: the extra last row/column stand for a null
    name/major, so dictionary codes (-1 = null) index it directly. Match/mismatch points when a rule
    covers the jabatan (the first matching rule decides), NaN when none does or the major is unknown.
    """
    cfg = rules["potensial"]["field_fit"]
    jab_u = pd.Series(np.append(np.asarray(jabatan_names, dtype=object), ""), dtype=object)
    maj_u = pd.Series(np.append(np.asarray(majors, dtype=object), ""), dtype=object)
    rule_of_jab = np.full(len(jab_u), -1, dtype="int64")
    fits = np.zeros((len(cfg["rules"]), len(maj_u)), dtype=bool)
    for i, rule in reversed(list(enumerate(cfg["rules"]))):
        covered = jab_u.str.contains(rule["jabatan"], flags=re.IGNORECASE, regex=True).to_numpy(dtype=bool)
        rule_of_jab[covered] = i
        fits[i] = maj_u.str.contains(rule["major"], flags=re.IGNORECASE, regex=True).to_numpy(dtype=bool)
    table = np.full((len(jab_u), len(maj_u)), np.nan)
    has = rule_of_jab >= 0
    if has.any():
        table[has] = np.where(fits[rule_of_jab[has]], float(cfg["match_points"]), float(cfg["mismatch_points"]))
    table[:, -1] = np.nan
    return table


def field_fit_points(jabatan_name: pd.Series, major: pd.Series, rules: Rules) -> pd.Series:
    """Kesesuaian bidang per row (see :func:`field_fit_table`); patterns run on the distinct values only."""
    jab_codes, jab_uniques = codes(jabatan_name)
    maj_codes, maj_uniques = codes(major)
    table = field_fit_table(jab_uniques, maj_uniques, rules)
    return pd.Series(table[jab_codes, maj_codes], index=jabatan_name.index)


def potkom(assess: pd.DataFrame) -> pd.DataFrame:
    """Kompetensi (JPM %, else the mean of the three kompetensi scores) and potensi from assessments."""
    kompetensi_parts = assess[["kompetensi_manajerial", "kompetensi_sosiokultural", "kompetensi_teknis"]]
    kompetensi = assess["jpm_pct"].astype(float).fillna(kompetensi_parts.astype(float).mean(axis=1))
    return pd.DataFrame({
        "kompetensi": kompetensi.clip(0, 100),
        "potensi": assess["potensi_score"].astype(float).clip(0, 100),
    })


def potensial_components(
    employees: pd.DataFrame, assessment: pd.DataFrame, discipline: pd.DataFrame, rules: Rules, scored_on: object,
    *, index: NipIndex | None = None,
) -> pd.DataFrame:
    """Potensial components per NIP (index): assessment, experience, education, field fit, integritas."""
    nips = pd.Index(employees["nip"], name="nip")
    ix = index if index is not None else NipIndex(employees["nip"])
    rows, pos = latest_assessment_rows(assessment, ix.positions(assessment["nip"]), rules, scored_on)
    pk = potkom(assessment.iloc[rows])
    out = pd.DataFrame(index=nips)
    for col in ("kompetensi", "potensi"):
        values = np.full(len(nips), np.nan)
        values[pos] = pk[col].to_numpy(dtype="float64", na_value=np.nan)
        out[col] = values
    out["pengalaman_jabatan"] = experience_points(employees["tmt_jabatan"], rules, scored_on).to_numpy()
    edu_points = {k: float(v) for k, v in rules["potensial"]["education_points"].items()}
    out["pendidikan"] = map_codes(employees["education_level"], edu_points)
    out["kesesuaian_bidang"] = field_fit_points(employees["jabatan_name"], employees["education_major"],
                                                rules).to_numpy()
    out["integritas"] = integrity_points(nips, discipline, rules, scored_on, index=ix).to_numpy()
    out["pengembangan_kompetensi"] = np.nan  # no diklat history in the warehouse yet
    return out


def compute_axes(
    employees: pd.DataFrame,
    performance: pd.DataFrame,
    assessment: pd.DataFrame,
    discipline: pd.DataFrame,
    rules: Rules,
    scored_on: object,
    *,
    index: NipIndex | None = None,
) -> pd.DataFrame:
    """Both axes for every employee (index = nip, in the employees' order), with components and what is missing.

    Columns: the components, ``kinerja_score``, ``potensial_score`` (NaN when a required component is
    missing), ``kinerja_missing`` / ``potensial_missing`` (names of missing required components).
    """
    ix = index if index is not None else NipIndex(employees["nip"])
    pot = potensial_components(employees, assessment, discipline, rules, scored_on, index=ix)
    kin = kinerja_components(pot.index, performance, rules, scored_on, index=ix)
    kin_score, kin_missing = combine(kin, rules["kinerja"]["components"])
    pot_score, pot_missing = combine(pot, rules["potensial"]["components"])
    out = pd.DataFrame({c: kin[c].to_numpy() for c in kin.columns}, index=pot.index)
    for c in pot.columns:
        out[c] = pot[c].to_numpy()
    out["kinerja_score"] = kin_score.to_numpy()
    out["potensial_score"] = pot_score.to_numpy()
    out["kinerja_missing"] = kin_missing.to_numpy()
    out["potensial_missing"] = pot_missing.to_numpy()
    return out
