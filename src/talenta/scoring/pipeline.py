"""One nightly scoring run: axes → 9-box and pools → mobility pairs → optimal proposals → fairness.

:func:`score` is pure (DataFrames in, DataFrames out) and deterministic: the same inputs, rules,
``run_id`` and ``scored_on`` give identical outputs. :func:`run` reads the warehouse, scores and writes
the outputs back for that ``run_id`` in one transaction (a re-run replaces its own rows only).
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from talenta.scoring import axes as axes_mod
from talenta.scoring import eligibility, fairness, matching, ninebox
from talenta.scoring.rules import Rules, load_rules

log = logging.getLogger(__name__)

_RUN_ID_RE = re.compile(r"^[A-Za-z0-9_.:+\-]{1,128}$")
INPUT_TABLES = ("employee_current", "performance_rating", "assessment", "disciplinary_record", "vacancy")


@dataclass
class ScoringResult:
    """Everything one run produces: output tables by name, totals, and timings."""

    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)


def check_run_id(run_id: str) -> str:
    """Reject run ids that could not be stored or quoted safely."""
    if not _RUN_ID_RE.match(run_id or ""):
        raise ValueError(f"invalid run_id {run_id!r}: use 1-128 letters, digits and _ . : + -")
    return run_id


def input_fingerprint(inputs: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Row count and a content hash per input table: the warehouse state the run read."""
    out = {}
    for name in INPUT_TABLES:
        frame = inputs[name]
        cols = sorted(frame.columns)
        digest = int(pd.util.hash_pandas_object(frame[cols].astype(str), index=False).sum()) if len(frame) else 0
        out[name] = {"rows": len(frame), "hash": f"{digest & 0xFFFFFFFFFFFFFFFF:016x}"}
    return out


def _talent_table(talent: pd.DataFrame, rules: Rules, run_id: str, scored_on: str) -> pd.DataFrame:
    t = talent.reset_index()
    out = pd.DataFrame({
        "run_id": run_id,
        "scored_on": pd.Timestamp(scored_on).date(),
        "nip": t["nip"].astype(str),
        "kinerja_score": t["kinerja_score"].astype("float64"),
        "potensial_score": t["potensial_score"].astype("float64"),
        "nilai_talenta": t["nilai_talenta"].astype("float64"),
        "kinerja_level": t["kinerja_level"].astype("Int16"),
        "potensial_level": t["potensial_level"].astype("Int16"),
        "box": t["box"].astype("Int16"),
        "in_succession_pool": t["in_succession_pool"].astype(bool),
        "in_national_pool": t["in_national_pool"].astype(bool),
        "outcome": t["outcome"].astype(str),
        "rule_version": rules.version,
        "follow_up": t["follow_up"],
        "reasons": t["reasons"],
    })
    return out.sort_values("nip", kind="stable").reset_index(drop=True)


def _explain(rows: pd.DataFrame, rules: Rules) -> pd.Series:
    """Explanation text naming the fit components, largest contribution first."""
    w = rules["matching"]["fit_weights"]
    parts = {
        "potkom": rows["potkom"] * float(w["potkom"]),
        "kualifikasi": rows["kualifikasi"] * float(w["kualifikasi"]),
        "integritas": rows["integritas"] * float(w["integritas"]),
    }
    contrib = pd.DataFrame(parts)
    names = np.array(list(parts))
    order = np.argsort(-contrib.to_numpy(), axis=1, kind="stable")
    texts = []
    raw = {k: rows[k].to_numpy() for k in parts}
    for i, row_order in enumerate(order):
        comps = ", ".join(f"{names[j]} {raw[names[j]][i]:.1f}×{float(w[names[j]]):.2f}" for j in row_order)
        texts.append(comps)
    sector = rows["sector"].fillna("lainnya").astype(str).to_numpy()
    sw = rows["sector_weight"].to_numpy()
    primary = rows["is_primary"].to_numpy()
    out = [
        f"fit {fit:.1f} = ({c}) × sector {s} weight {x:g}"
        + ("; primary proposal (optimal assignment)" if p else "")
        for fit, c, s, x, p in zip(rows["fit_score"].to_numpy(), texts, sector, sw, primary, strict=True)
    ]
    return pd.Series(out, index=rows.index)


def score(inputs: dict[str, pd.DataFrame], rules: Rules, *, run_id: str, scored_on: str) -> ScoringResult:
    """Score every employee and match the vacancies; pure and deterministic.

    ``inputs`` holds the warehouse tables named in ``INPUT_TABLES`` as DataFrames with the canonical
    columns (employee_current also ``has_identity_conflict``). Returns the output tables
    ``talent_score``, ``mobility_candidate``, ``mobility_recommendation``, ``fairness_audit``,
    ``agency_readiness``, ``dim_talent_box`` and ``scoring_run``.
    """
    check_run_id(run_id)
    scored_on = pd.Timestamp(scored_on).date().isoformat()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    emp = inputs["employee_current"].drop_duplicates("nip", keep="last").sort_values("nip", kind="stable")
    emp = emp.reset_index(drop=True)
    perf, assess = inputs["performance_rating"], inputs["assessment"]
    disc, vac = inputs["disciplinary_record"], inputs["vacancy"]
    vac = vac.drop_duplicates("vacancy_id", keep="last").sort_values("vacancy_id", kind="stable")

    ax = axes_mod.compute_axes(emp, perf, assess, disc, rules, scored_on)
    talent = ninebox.place(emp, ax, disc, rules, scored_on)
    timings["scoring_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    cfg = rules["matching"]
    persons = eligibility.person_checks(emp, talent, disc, rules, scored_on)
    pairs = eligibility.considered_pairs(vac, persons, int(cfg["max_considered_per_vacancy"]))
    evaluated = eligibility.evaluate_pairs(pairs, vac, persons, ax, rules)
    timings["eligibility_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    elig = evaluated[evaluated["eligible"] & (evaluated["fit_score"] > 0)]
    elig = elig.sort_values(["vacancy_id", "fit_score", "nip"], ascending=[True, False, True], kind="stable")
    elig = elig.assign(rank=elig.groupby("vacancy_id").cumcount() + 1)
    short = elig[elig["rank"] <= int(cfg["top_k"])].reset_index(drop=True)
    pool_by_region = talent.loc[talent["in_succession_pool"]].join(emp.set_index("nip")["region_code"])
    caps = matching.region_caps(pool_by_region.groupby("region_code").size(), float(cfg["region_pool_cap_share"]))
    edges = pd.DataFrame({"vacancy_id": short["vacancy_id"], "nip": short["nip"],
                          "region": short["from_region_code"].fillna(""), "weight": short["fit_score"]})
    best = matching.optimal_assignment(edges, caps)
    greedy = matching.greedy_assignment(edges, caps)
    short["is_primary"] = False
    short.loc[best.chosen, "is_primary"] = True
    timings["matching_s"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    recommendation = pd.DataFrame({
        "run_id": run_id,
        "vacancy_id": short["vacancy_id"].astype(str),
        "nip": short["nip"].astype(str),
        "from_region_code": short["from_region_code"],
        "to_region_code": short["to_region_code"],
        "fit_score": short["fit_score"].astype("float64"),
        "rank": short["rank"].astype("int32"),
        "is_primary": short["is_primary"].astype(bool),
        "explanation": _explain(short, rules),
    })
    candidate = pd.DataFrame({
        "run_id": run_id,
        "vacancy_id": evaluated["vacancy_id"].astype(str),
        "nip": evaluated["nip"].astype(str),
        "eligible": evaluated["eligible"].astype(bool),
        "fit_score": evaluated["fit_score"].astype("float64"),
        "reasons": evaluated["reasons"],
    }).sort_values(["vacancy_id", "nip"], kind="stable").reset_index(drop=True)
    proposed = pd.Index(short.loc[short["is_primary"], "nip"])
    audit = fairness.audit(emp, talent, proposed, rules, run_id=run_id, scored_on=scored_on)
    ready = fairness.readiness(emp, ax, talent, run_id=run_id)
    timings["outputs_s"] = time.perf_counter() - t3

    outcome_counts = talent["outcome"].value_counts().to_dict()
    summary = {
        "run_id": run_id, "scored_on": scored_on, "rule_version": rules.version, "rule_sha256": rules.sha256,
        "employees": len(emp), "vacancies": len(vac), "outcomes": {k: int(v) for k, v in outcome_counts.items()},
        "succession_pool": int(talent["in_succession_pool"].sum()),
        "national_pool": int(talent["in_national_pool"].sum()),
        "pairs_considered": len(evaluated), "pairs_eligible": int(evaluated["eligible"].sum()),
        "shortlist_rows": len(short), "primary_proposals": len(best.chosen),
        "optimal_total_fit": round(best.total, 4), "greedy_total_fit": round(greedy.total, 4),
        "greedy_proposals": len(greedy.chosen), "matching_method": best.method,
        "fairness_flagged": fairness.flagged(audit),
        "inputs": input_fingerprint(inputs),
    }
    run_table = pd.DataFrame([{
        "run_id": run_id, "scored_on": pd.Timestamp(scored_on).date(), "rule_version": rules.version,
        "rule_sha256": rules.sha256, "input_state": json.dumps(summary["inputs"], sort_keys=True),
        "summary": json.dumps({k: v for k, v in summary.items() if k != "inputs"}, sort_keys=True),
        "fairness_flagged": summary["fairness_flagged"],
    }])
    dim_box = pd.DataFrame([b.__dict__ for b in ninebox.boxes()])
    dim_box["in_succession_pool"] = dim_box["box"].isin(rules["pools"]["succession_boxes"])
    tables = {
        "talent_score": _talent_table(talent, rules, run_id, scored_on),
        "mobility_candidate": candidate,
        "mobility_recommendation": recommendation.sort_values(["vacancy_id", "rank"]).reset_index(drop=True),
        "fairness_audit": audit,
        "agency_readiness": ready,
        "dim_talent_box": dim_box,
        "scoring_run": run_table,
    }
    summary["timings"] = {k: round(v, 3) for k, v in timings.items()}
    return ScoringResult(tables, summary)


def run(run_id: str, scored_on: str, *, rule_version: str | None = None, url: str | None = None,
        report_dir: str | None = None) -> dict[str, Any]:
    """Read the warehouse, score, write the outputs for ``run_id`` and the fairness report; return the summary."""
    from talenta.scoring import io

    rules = load_rules(rule_version)
    started = datetime.now(UTC)
    inputs = io.read_inputs(url)
    result = score(inputs, rules, run_id=run_id, scored_on=scored_on)
    result.tables["scoring_run"]["started_at"] = started.replace(tzinfo=None)
    result.tables["scoring_run"]["finished_at"] = datetime.now(UTC).replace(tzinfo=None)
    io.write_outputs(result, run_id, url)
    report = io.write_report(result, report_dir)
    result.summary["fairness_report"] = str(report)
    log.info("talent scoring %s (%s, rules %s): %s", run_id, scored_on, rules.version,
             {k: v for k, v in result.summary.items() if k != "inputs"})
    return result.summary
