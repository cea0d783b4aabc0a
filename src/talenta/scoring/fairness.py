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
from talenta.scoring.encode import NipIndex, aligned, map_codes
from talenta.scoring.rules import Rules

DIMENSIONS = ("gender", "age_band", "province", "agency_type")


def age_bands(birth_date: pd.Series, scored_on: object, edges: list[int]) -> pd.Series:
    """Age band labels (``<30``, ``30-39``, ..., ``>=50``) from birth dates; ``unknown`` when missing."""
    age = (as_timestamp(scored_on) - to_datetime(birth_date)).dt.days // 365.25
    labels = [f"<{edges[0]}"] + [f"{a}-{b - 1}" for a, b in pairwise(edges)] + [f">={edges[-1]}"]
    band = pd.cut(age, bins=[-np.inf, *edges, np.inf], right=False, labels=labels)
    return band.astype(object).where(age.notna(), "unknown")


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


def audit(employees: pd.DataFrame, talent: pd.DataFrame, proposed_nips: pd.Index, rules: Rules, *,
          run_id: str, scored_on: object) -> pd.DataFrame:
    """One row per (dimension, group): population (scored people), pool and recommendation rates, ratios, flags.

    Pool rate = pool members ÷ scored people; recommendation rate = people with a primary proposal ÷ pool
    members. Groups smaller than ``min_group_size`` are reported but never flagged nor used as reference.
    """
    cfg = rules["fairness"]
    emp = employees.set_index("nip")
    t = aligned(talent, emp.index)
    scored = t["outcome"].eq("scored").to_numpy(dtype=bool)
    proposed = np.zeros(len(emp), dtype=bool)
    at = NipIndex(emp.index).positions(pd.Series(proposed_nips))
    proposed[at[at >= 0]] = True
    province = map_codes(emp["region_code"], lambda c: c[:2] or None, default="unknown", dtype=object)
    frame = pd.DataFrame({
        "gender": emp["gender"].fillna("unknown").to_numpy(),
        "age_band": age_bands(emp["birth_date"], scored_on, list(cfg["age_bands"])).to_numpy(),
        "province": province,
        "agency_type": agency_type(emp["instansi_id"]).to_numpy(),
        "pool": t["in_succession_pool"].fillna(False).to_numpy(dtype=bool),
        "proposed": proposed,
    })[scored]
    threshold, min_size = float(cfg["adverse_impact_threshold"]), int(cfg["min_group_size"])
    parts = []
    for dim in DIMENSIONS:
        g = frame.groupby(dim).agg(population=("pool", "size"), pool_count=("pool", "sum"),
                                   recommended_count=("proposed", "sum"))
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
    emp = employees.set_index("nip")
    ax, t = aligned(axes, emp.index), aligned(talent, emp.index)
    f = pd.DataFrame({
        "instansi_id": emp["instansi_id"].fillna("unknown").to_numpy(),
        "skp": ax["n_ratings"].fillna(0).to_numpy() > 0,
        "assess": ax[["kompetensi", "potensi"]].notna().any(axis=1).to_numpy(),
        "scored": t["outcome"].eq("scored").to_numpy(dtype=bool),
        "insufficient": t["outcome"].eq("insufficient_data").to_numpy(dtype=bool),
        "pool": t["in_succession_pool"].fillna(False).to_numpy(dtype=bool),
    })
    g = f.groupby("instansi_id").agg(employees=("skp", "size"), with_current_skp=("skp", "sum"),
                                      with_assessment=("assess", "sum"), scored=("scored", "sum"),
                                      insufficient_data=("insufficient", "sum"), pool_size=("pool", "sum"))
    g["share_current_skp"] = (g["with_current_skp"] / g["employees"]).round(4)
    g["share_assessment"] = (g["with_assessment"] / g["employees"]).round(4)
    g["share_scored"] = (g["scored"] / g["employees"]).round(4)
    gap = np.where(g["share_assessment"] <= g["share_current_skp"], "assessment coverage", "current SKP coverage")
    g["main_gap"] = np.where(g["share_scored"] >= 0.999, "none", gap)
    g = g.reset_index()
    g.insert(0, "run_id", run_id)
    return g.astype({c: "int64" for c in ("employees", "with_current_skp", "with_assessment", "scored",
                                           "insufficient_data", "pool_size")})
