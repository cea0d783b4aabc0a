"""Fairness audit and agency readiness, computed every run.

Audit: pool and recommendation rates by gender, age band, province and agency type, with adverse-impact
ratios (a group's rate ÷ the best group's rate). A ratio under the rule file's threshold (four-fifths
rule) flags the group and so the rule version. The protected attributes are read here only: scoring
and matching never see them.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from talenta.domain import agencies, regions
from talenta.scoring.axes import as_timestamp, to_datetime
from talenta.scoring.encode import NipIndex, aligned, codes, map_codes
from talenta.scoring.rules import Rules

DIMENSIONS = ("gender", "age_band", "province", "agency_type")


def age_bands(birth_date: pd.Series, scored_on: object, edges: list[int]) -> pd.Series:
    """Age band labels (``<30``, ``30-39``, ..., ``>=50``) from birth dates; ``unknown`` when missing."""
    age = (as_timestamp(scored_on) - to_datetime(birth_date)).dt.days // 365.25
    band = pd.cut(age, bins=[-np.inf, *edges, np.inf], right=False, labels=_band_labels(edges))
    return band.astype(object).where(age.notna(), "unknown")


def _band_labels(edges: list[int]) -> list[str]:
    return [f"<{edges[0]}"] + [f"{a}-{b - 1}" for a, b in pairwise(edges)] + [f">={edges[-1]}"]


def agency_type(instansi_id: pd.Series) -> pd.Series:
    """``pusat``, ``provinsi``, ``kabupaten`` or ``kota`` for an instansi id; ``unknown`` otherwise."""
    known = agencies.by_id()
    by_region = regions.by_code()

    def kind(iid: object) -> str:
        agency = known.get(str(iid))
        if agency is None:
            return "unknown"
        if agency.level == "pusat":
            return "pusat"
        return by_region[agency.region_code].kind

    return pd.Series(map_codes(instansi_id, kind, default="unknown", dtype=object), index=instansi_id.index)


def label_codes(idx: np.ndarray, labels: list | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes into the sorted distinct ``labels`` (``idx`` -1 takes the last label), and those labels.

    ``labels[i]`` is the label of dictionary code ``i``; equal labels merge (e.g. a real ``"unknown"`` and a
    null filled with it), and code order is label order, as a sorted group-by on the label texts would be.
    """
    uniq, remap = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    return remap[idx], uniq


def _group_counts(code: np.ndarray, n: int, **flags: np.ndarray) -> pd.DataFrame:
    """Rows per code (``size``) and the True count of each flag, for the codes that occur (in code order)."""
    size = np.bincount(code, minlength=n)
    out = {name: np.bincount(code[f], minlength=n).astype("int64") for name, f in flags.items()}
    present = np.flatnonzero(size)
    return pd.DataFrame({"size": size[present].astype("int64"), **{k: v[present] for k, v in out.items()}},
                        index=present)


def _dimension_codes(emp: pd.DataFrame, scored_on: object, edges: list[int]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per fairness dimension: each person's code into the sorted group labels, and the labels."""
    out = {}
    idx, uniq = codes(emp["gender"])
    out["gender"] = label_codes(idx, [*uniq, "unknown"])
    age = ((as_timestamp(scored_on) - to_datetime(emp["birth_date"])).dt.days // 365.25).to_numpy(
        dtype="float64", na_value=np.nan)
    band = pd.cut(age, bins=[-np.inf, *edges, np.inf], right=False, labels=_band_labels(edges))
    out["age_band"] = label_codes(np.asarray(band.codes, dtype="int64"), [*band.categories, "unknown"])
    del age, band
    idx, uniq = codes(emp["region_code"])
    out["province"] = label_codes(idx, [*(u[:2] or "unknown" for u in uniq), "unknown"])
    idx, uniq = codes(emp["instansi_id"])
    kinds = agency_type(pd.Series(uniq, dtype=object)).tolist()
    out["agency_type"] = label_codes(idx, [*kinds, "unknown"])
    return out


def audit(employees: pd.DataFrame, talent: pd.DataFrame, proposed_nips: pd.Index, rules: Rules, *,
          run_id: str, scored_on: object, index: NipIndex | None = None) -> pd.DataFrame:
    """One row per (dimension, group): population (scored people), pool and recommendation rates, ratios, flags.

    Pool rate = pool members ÷ scored people; recommendation rate = people with a primary proposal ÷ pool
    members. Groups smaller than ``min_group_size`` are reported but never flagged nor used as reference.
    Groups are counted on integer codes (no per-row label objects); ``index`` is a prebuilt
    :class:`NipIndex` of ``employees["nip"]``.
    """
    cfg = rules["fairness"]
    nips = pd.Index(employees["nip"], name="nip")
    t = aligned(talent, nips)
    scored = t["outcome"].eq("scored").to_numpy(dtype=bool)
    proposed = np.zeros(len(nips), dtype=bool)
    at = (index if index is not None else NipIndex(employees["nip"])).positions(pd.Series(proposed_nips))
    proposed[at[at >= 0]] = True
    pool = t["in_succession_pool"].fillna(False).to_numpy(dtype=bool)
    pool_s, proposed_s = pool[scored], proposed[scored]
    groups = {}
    for dim, (code, labels) in _dimension_codes(employees, scored_on, list(cfg["age_bands"])).items():
        c = _group_counts(code[scored], len(labels), pool_count=pool_s, recommended_count=proposed_s)
        groups[dim] = pd.DataFrame({"population": c["size"].to_numpy(), "pool_count": c["pool_count"].to_numpy(),
                                    "recommended_count": c["recommended_count"].to_numpy()},
                                   index=pd.Index(labels[c.index.to_numpy()], dtype=object, name=dim))
    threshold, min_size = float(cfg["adverse_impact_threshold"]), int(cfg["min_group_size"])
    parts = []
    for dim in DIMENSIONS:
        g = groups[dim]
        g["pool_rate"] = g["pool_count"] / g["population"]
        g["recommendation_rate"] = (g["recommended_count"] / g["pool_count"].replace(0, np.nan)).fillna(0.0)
        big = g["population"] >= min_size
        for rate, air, flag in (("pool_rate", "pool_air", "pool_flagged"),
                                ("recommendation_rate", "recommendation_air", "recommendation_flagged")):
            best = g.loc[big, rate].max() if big.any() else np.nan
            g[air] = (g[rate] / best).round(4) if best and best > 0 else np.nan
            g[flag] = (big & (g[air] < threshold)).fillna(False).astype(bool)
        parts.append(g.reset_index().rename(columns={dim: "group"}).assign(dimension=dim))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out.insert(0, "run_id", run_id)
    out.insert(1, "rule_version", rules.version)
    cols = ["run_id", "rule_version", "dimension", "group", "population", "pool_count", "pool_rate", "pool_air",
            "pool_flagged", "recommended_count", "recommendation_rate", "recommendation_air",
            "recommendation_flagged"]
    out = out[cols].astype({"group": str, "population": "int64", "pool_count": "int64", "recommended_count": "int64"})
    return out.sort_values(["dimension", "group"], kind="stable").reset_index(drop=True)


def flagged(audit_table: pd.DataFrame) -> bool:
    """True when any group's adverse-impact ratio fell under the threshold: the rule version is flagged."""
    return bool(audit_table["pool_flagged"].any() or audit_table["recommendation_flagged"].any())


def render_markdown(audit_table: pd.DataFrame, *, run_id: str, rule_version: str) -> str:
    """The fairness report as Markdown (the reports portal renders it; values are plain text)."""
    lines = [f"# Fairness audit: run {run_id}, rules {rule_version}", ""]
    verdict = "FLAGGED: an adverse-impact ratio is under the threshold" if flagged(audit_table) else "no group flagged"
    lines += [f"Verdict: **{verdict}**.", ""]
    for dim, part in audit_table.groupby("dimension", sort=True):
        lines += [f"## {dim}", "", "| group | scored | pool | pool rate | AIR | recommended | rec. rate | AIR | flag |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for row in part.itertuples(index=False):
            flag = "⚠" if row.pool_flagged or row.recommendation_flagged else ""
            lines.append(f"| {row.group} | {row.population} | {row.pool_count} | {row.pool_rate:.3f} | "
                         f"{row.pool_air} | {row.recommended_count} | {row.recommendation_rate:.3f} | "
                         f"{row.recommendation_air} | {flag} |")
        lines.append("")
    return "\n".join(lines)


def readiness(employees: pd.DataFrame, axes: pd.DataFrame, talent: pd.DataFrame, *, run_id: str) -> pd.DataFrame:
    """Talent-management readiness per agency: SKP and assessment coverage, scored vs insufficient, pool size.

    ``main_gap`` names what most holds the agency back (the larger of the SKP and assessment gaps).
    """
    nips = pd.Index(employees["nip"], name="nip")
    ax, t = aligned(axes, nips), aligned(talent, nips)
    idx, uniq = codes(employees["instansi_id"])
    code, labels = label_codes(idx, [*uniq, "unknown"])
    del idx
    outcome = t["outcome"]
    c = _group_counts(
        code, len(labels),
        with_current_skp=ax["n_ratings"].fillna(0).to_numpy() > 0,
        with_assessment=ax[["kompetensi", "potensi"]].notna().any(axis=1).to_numpy(),
        scored=outcome.eq("scored").to_numpy(dtype=bool),
        insufficient_data=outcome.eq("insufficient_data").to_numpy(dtype=bool),
        pool_size=t["in_succession_pool"].fillna(False).to_numpy(dtype=bool),
    )
    g = c.rename(columns={"size": "employees"})
    g.index = pd.Index(labels[c.index.to_numpy()], dtype=object, name="instansi_id")
    g["share_current_skp"] = (g["with_current_skp"] / g["employees"]).round(4)
    g["share_assessment"] = (g["with_assessment"] / g["employees"]).round(4)
    g["share_scored"] = (g["scored"] / g["employees"]).round(4)
    gap = np.where(g["share_assessment"] <= g["share_current_skp"], "assessment coverage", "current SKP coverage")
    g["main_gap"] = np.where(g["share_scored"] >= 0.999, "none", gap)
    g = g.reset_index()
    g.insert(0, "run_id", run_id)
    return g.astype({c: "int64" for c in ("employees", "with_current_skp", "with_assessment", "scored",
                                           "insufficient_data", "pool_size")})
