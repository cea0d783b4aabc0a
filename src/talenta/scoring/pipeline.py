"""One nightly scoring run: axes → 9-box and pools → mobility pairs → optimal proposals → fairness.

:func:`score` is pure (DataFrames in, DataFrames out) and deterministic: the same inputs, rules,
``run_id`` and ``scored_on`` give identical outputs. :func:`run` reads the warehouse, scores and writes
the outputs back for that ``run_id`` in one transaction (a re-run replaces its own rows only).

Memory (issue #8: every process of the nightly chain <= 6 GB at 4.7 M employees): intermediates are
dropped as soon as their last reader is done (the axes after the shortlist's fit components, the 9 M
pair arrays column by column as ``mobility_candidate`` is built), texts repeated over millions of rows
(run id, rule version, outcome, follow-up, reasons, vacancy ids) are categoricals, group counts run on
integer codes, and :func:`run` hands the inputs over (``release_inputs``) so each is freed once read.
``benchmarks/scoring.md`` has the measurements.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from talenta.scoring import axes as axes_mod
from talenta.scoring import eligibility, encode, fairness, matching, ninebox
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


def check_scored_on(scored_on: object) -> str:
    """The scoring date as ``YYYY-MM-DD``; reject a missing or unparseable one with what to pass instead."""
    try:
        ts = pd.Timestamp(scored_on) if scored_on not in (None, "") else pd.NaT
    except (ValueError, TypeError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ValueError(
            f"invalid scored_on {scored_on!r}: pass the scoring date as YYYY-MM-DD (DAG param scored_on; "
            "asset-triggered runs have no logical date, so the DAG passes the run's run_after date)"
        )
    return ts.date().isoformat()


def _content_hash(frame: pd.DataFrame) -> int:
    """Order-independent content hash of a table: the sum of DuckDB's row hashes (fast, multi-threaded)."""
    import duckdb

    cols = sorted(frame.columns)
    try:
        table = pa.Table.from_pandas(frame[cols], preserve_index=False)
        with duckdb.connect() as con:
            con.register("t", table)
            args = ", ".join(f'"{c}"' for c in cols)
            value = con.execute(f"select coalesce(sum(hash({args})::hugeint), 0) from t").fetchone()[0]
        return int(value)
    except (pa.ArrowException, duckdb.Error):
        # Mixed-type object columns (hand-made frames) cannot go to Arrow: hash their text instead.
        return int(pd.util.hash_pandas_object(frame[cols].astype(str), index=False).sum())


def input_fingerprint(inputs: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Row count and a content hash per input table: the warehouse state the run read."""
    out = {}
    for name in INPUT_TABLES:
        frame = inputs[name]
        digest = _content_hash(frame) if len(frame) else 0
        out[name] = {"rows": len(frame), "hash": f"{digest & 0xFFFFFFFFFFFFFFFF:016x}"}
    return out


def _talent_table(talent: pd.DataFrame, rules: Rules, run_id: str, scored_on: str) -> pd.DataFrame:
    t = talent.reset_index()
    # talent is in employee order, which score() makes NIP order: no sort needed.
    # Repeated texts stay categorical (the warehouse write casts them to plain text).
    out = pd.DataFrame({
        "run_id": _constant(run_id, len(t)),
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
        "outcome": _text_categorical(t["outcome"]),
        "rule_version": _constant(rules.version, len(t)),
        "follow_up": _text_categorical(t["follow_up"]),
        "reasons": _text_categorical(t["reasons"]),
    }, copy=False)
    return out


def _constant(value: str, n: int) -> pd.Categorical:
    """A text repeated ``n`` times as a one-category categorical (a str column would hold ``n`` copies)."""
    return pd.Categorical.from_codes(np.zeros(n, dtype="int8"), [value])


def _text_categorical(values: pd.Series) -> pd.Categorical:
    """A text column as a categorical of its distinct values (nulls stay null)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array
    return pd.Categorical(values.astype(object).where(values.notna(), None))


def _box_counts(emp: pd.DataFrame, talent: pd.DataFrame) -> pd.DataFrame:
    """People per (region, agency, outcome, box) with pool counts: the aggregate the talent report reads.

    Counted on integer codes of the four keys (a few thousand combinations), then the combinations are
    labelled and summed by label (a null region/agency and a real ``unknown`` one fall in the same group).
    """
    reg_idx, reg_u = encode.codes(emp["region_code"])
    inst_idx, inst_u = encode.codes(emp["instansi_id"])
    out_idx, out_u = pd.factorize(talent["outcome"])
    box = talent["box"].fillna(0).astype("int64").to_numpy()
    keep = out_idx >= 0  # the group-by drops a null outcome
    b0 = int(box.min()) if box.size else 0
    n_box = int(box.max()) - b0 + 1 if box.size else 1
    # One int64 key per (region, agency, outcome, box); null region/agency codes (-1) become 0.
    key = ((reg_idx + 1) * (len(inst_u) + 1) + (inst_idx + 1)) * max(1, len(out_u))
    key = (key + out_idx) * n_box + (box - b0)
    del reg_idx, inst_idx
    uniq, inverse = np.unique(key[keep], return_inverse=True)
    del key
    succession = talent["in_succession_pool"].to_numpy(dtype=bool)[keep]
    national = talent["in_national_pool"].to_numpy(dtype=bool)[keep]
    rest, box_k = np.divmod(uniq, n_box)
    rest, out_k = np.divmod(rest, max(1, len(out_u)))
    reg_k, inst_k = np.divmod(rest, len(inst_u) + 1)
    reg_lab = np.append(np.asarray(reg_u, dtype=object), None)
    inst_lab = np.append(np.asarray(inst_u, dtype=object), None)
    frame = pd.DataFrame({
        "region_code": pd.Series(reg_lab[reg_k - 1], dtype=object).fillna("unknown").to_numpy(),
        "instansi_id": pd.Series(inst_lab[inst_k - 1], dtype=object).fillna("unknown").to_numpy(),
        "outcome": np.asarray(out_u, dtype=object)[out_k],
        "box": box_k + b0,
        "people": np.bincount(inverse, minlength=uniq.size),
        "succession": np.bincount(inverse[succession], minlength=uniq.size),
        "national": np.bincount(inverse[national], minlength=uniq.size),
    })
    g = frame.groupby(["region_code", "instansi_id", "outcome", "box"], sort=True).agg(
        people=("people", "sum"), succession_pool=("succession", "sum"), national_pool=("national", "sum"))
    return g.reset_index().astype({"people": "int64", "succession_pool": "int64", "national_pool": "int64"})


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


def score(inputs: dict[str, pd.DataFrame], rules: Rules, *, run_id: str, scored_on: str,
          release_inputs: bool = False) -> ScoringResult:
    """Score every employee and match the vacancies; pure and deterministic.

    ``inputs`` holds the warehouse tables named in ``INPUT_TABLES`` as DataFrames with the canonical
    columns (employee_current also ``has_identity_conflict``). Returns the output tables
    ``talent_score``, ``mobility_candidate``, ``mobility_recommendation``, ``fairness_audit``,
    ``agency_readiness``, ``dim_talent_box``, ``scoring_run`` and ``talent_box_counts`` (the report's
    aggregate, not a warehouse table).

    With ``release_inputs`` the caller hands the tables over: they are taken out of ``inputs`` (which
    is left empty) and freed as soon as they have been read, and the employees' date columns are held as
    datetime64 rather than Python ``date`` objects (:func:`run` does this; results are the same).
    """
    check_run_id(run_id)
    scored_on = check_scored_on(scored_on)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # The fingerprint reads the inputs as given; taken first, while little else is held in memory.
    fingerprint = input_fingerprint(inputs)
    if release_inputs:
        inputs, given = dict(inputs), inputs
        given.clear()
    raw_emp = inputs.pop("employee_current") if release_inputs else inputs["employee_current"]
    rows = encode.sorted_unique_order(raw_emp["nip"])
    is_identity = rows.size == len(raw_emp) and bool(np.all(rows == np.arange(rows.size)))
    emp = raw_emp.reset_index(drop=True) if is_identity else raw_emp.take(rows).reset_index(drop=True)
    del raw_emp, rows
    if release_inputs:
        # Every reader converts these with axes.to_datetime first: converting once here frees the objects.
        dates = [c for c in ("birth_date", "tmt_jabatan", "updated_at") if c in emp and emp[c].dtype == object]
        emp = emp.assign(**{c: axes_mod.to_datetime(emp[c]) for c in dates})
    index = encode.NipIndex(emp["nip"])
    perf, assess = inputs["performance_rating"], inputs["assessment"]
    disc, vac = inputs["disciplinary_record"], inputs["vacancy"]
    if release_inputs:
        inputs.clear()
    vac = vac.drop_duplicates("vacancy_id", keep="last").sort_values("vacancy_id", kind="stable")
    vac = vac.reset_index(drop=True)

    ax = axes_mod.compute_axes(emp, perf, assess, disc, rules, scored_on, index=index)
    del perf, assess
    talent = ninebox.place(emp, ax, disc, rules, scored_on, index=index)
    # Readiness is the last reader of most axis columns: computed now, the axes can go after the pair fits.
    ready = fairness.readiness(emp, ax, talent, run_id=run_id)
    timings["scoring_s"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    cfg = rules["matching"]
    persons = eligibility.person_checks(emp, talent, disc, rules, scored_on, index=index)
    pairs = eligibility.considered_pairs(vac, persons, int(cfg["max_considered_per_vacancy"]))
    # The per-pair fit components are only needed for the shortlist: computed for it below.
    evaluated = eligibility.evaluate_pairs(pairs, vac, persons, ax, rules, components=False)
    del pairs
    timings["eligibility_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    vp, pp = evaluated["vpos"].to_numpy(), evaluated["ppos"].to_numpy()
    fit = evaluated["fit_score"].to_numpy()
    eligible = evaluated["eligible"].to_numpy(dtype=bool)
    reasons = evaluated["reasons"].array
    n_pairs, n_eligible = len(evaluated), int(eligible.sum())
    del evaluated  # (its columns are separate arrays: those not taken above, e.g. the mask, are freed)
    ok = np.flatnonzero(eligible & (fit > 0))
    # vac rows are in vacancy-id order and emp rows in NIP order: positions sort like the ids.
    ok = ok[np.lexsort((pp[ok], -fit[ok], vp[ok]))]
    run_start = np.ones(ok.size, dtype=bool)
    run_start[1:] = vp[ok][1:] != vp[ok][:-1]
    at = np.arange(ok.size)
    rank = at - np.maximum.accumulate(np.where(run_start, at, 0)) + 1
    keep = rank <= int(cfg["top_k"])
    sel, rank = ok[keep], rank[keep]
    del ok, run_start, at, keep
    sv, sp = vp[sel], pp[sel]
    comps = eligibility.pair_components(sv, sp, vac, persons, ax, rules)
    del persons, ax
    short = pd.DataFrame({
        "vacancy_id": encode.take_strings(vac["vacancy_id"], sv),
        "nip": encode.take_strings(emp["nip"], sp),
        "from_region_code": encode.take_strings(emp["region_code"], sp),
        "to_region_code": encode.take_strings(vac["region_code"], sv),
        "sector": encode.take_strings(vac["sector"], sv),
        "fit_score": fit[sel], "rank": rank,
        **{c: comps[c].to_numpy() for c in eligibility.COMPONENTS},
    })
    del comps
    reg_codes, reg_names = encode.codes(emp["region_code"])
    pool = talent["in_succession_pool"].to_numpy(dtype=bool) & (reg_codes >= 0)
    pool_sizes = pd.Series(np.bincount(reg_codes[pool], minlength=len(reg_names)), index=reg_names)
    caps = matching.region_caps(pool_sizes[pool_sizes > 0], float(cfg["region_pool_cap_share"]))
    # The cap protects a region's succession pool ("no region stripped of its best"): only proposals of
    # pool members count against it; candidates outside the pool fall in an uncapped bucket ("").
    capped_region = np.where(pool[sp], short["from_region_code"].fillna("").to_numpy(dtype=object), "")
    del reg_codes, pool
    edges = pd.DataFrame({"vacancy_id": short["vacancy_id"], "nip": short["nip"],
                          "region": capped_region, "weight": short["fit_score"]})
    best = matching.optimal_assignment(edges, caps)
    greedy = matching.greedy_assignment(edges, caps)
    del edges, capped_region
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
    proposed = pd.Index(short.loc[short["is_primary"], "nip"])
    del short
    order = np.lexsort((pp, vp))
    # 9 M rows at national scale: each pair array is freed once its column is built; the run id and the
    # vacancy ids (30 k distinct) are categoricals.
    cand_vacancy = encode.take_categorical(vac["vacancy_id"], vp[order])
    del vp
    cand_nip = encode.take_strings(emp["nip"], pp[order])
    del pp
    cand_eligible = eligible[order]
    del eligible
    cand_fit = fit[order].astype("float64", copy=False)
    del fit
    cand_reasons = reasons.take(order)
    del reasons
    candidate = pd.DataFrame({
        "run_id": _constant(run_id, len(order)), "vacancy_id": cand_vacancy, "nip": cand_nip,
        "eligible": cand_eligible, "fit_score": cand_fit, "reasons": cand_reasons,
    }, copy=False)
    del order, cand_vacancy, cand_nip, cand_eligible, cand_fit, cand_reasons
    audit = fairness.audit(emp, talent, proposed, rules, run_id=run_id, scored_on=scored_on, index=index)
    box_counts = _box_counts(emp, talent)
    timings["outputs_s"] = time.perf_counter() - t3

    # (a categorical's value_counts also lists unused categories: keep the outcomes that occur)
    outcome_counts = {k: v for k, v in talent["outcome"].value_counts().items() if v > 0}
    summary = {
        "run_id": run_id, "scored_on": scored_on, "rule_version": rules.version, "rule_sha256": rules.sha256,
        "employees": len(emp), "vacancies": len(vac), "outcomes": {k: int(v) for k, v in outcome_counts.items()},
        "succession_pool": int(talent["in_succession_pool"].sum()),
        "national_pool": int(talent["in_national_pool"].sum()),
        "pairs_considered": n_pairs, "pairs_eligible": n_eligible,
        "shortlist_rows": len(recommendation), "primary_proposals": len(best.chosen),
        "optimal_total_fit": round(best.total, 4), "greedy_total_fit": round(greedy.total, 4),
        "greedy_proposals": len(greedy.chosen), "matching_method": best.method,
        "fairness_flagged": fairness.flagged(audit),
        "inputs": fingerprint,
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
        # short is already in (vacancy id, rank) order.
        "mobility_recommendation": recommendation,
        "fairness_audit": audit,
        "agency_readiness": ready,
        "dim_talent_box": dim_box,
        "scoring_run": run_table,
        "talent_box_counts": box_counts,
    }
    summary["timings"] = {k: round(v, 3) for k, v in timings.items()}
    return ScoringResult(tables, summary)


def run(run_id: str, scored_on: str, *, rule_version: str | None = None, url: str | None = None,
        report_dir: str | None = None, talent_dir: str | None = None) -> dict[str, Any]:
    """Read the warehouse, score, write the outputs for ``run_id``, the fairness report and the talent
    report (HTML, default ``reports_dir()/talent``); return the summary."""
    from talenta.scoring import io

    check_run_id(run_id)
    scored_on = check_scored_on(scored_on)  # before the (long) warehouse read, not after it
    rules = load_rules(rule_version)
    started = datetime.now(UTC)
    # score() takes the inputs over and frees each table once read (the warehouse run holds no copy).
    result = score(io.read_inputs(url), rules, run_id=run_id, scored_on=scored_on, release_inputs=True)
    result.tables["scoring_run"]["started_at"] = started.replace(tzinfo=None)
    result.tables["scoring_run"]["finished_at"] = datetime.now(UTC).replace(tzinfo=None)
    io.write_outputs(result, run_id, url)
    report = io.write_report(result, report_dir)
    result.summary["fairness_report"] = str(report)
    from talenta.scoring.report import write_talent_report

    # Next to the fairness report's folder when that was given, so a run pointed elsewhere stays there.
    if talent_dir is None and report_dir is not None:
        talent_dir = str(Path(report_dir).parent / "talent")
    result.summary["talent_report"] = str(write_talent_report(result, talent_dir))
    log.info("talent scoring %s (%s, rules %s): %s", run_id, scored_on, rules.version,
             {k: v for k, v in result.summary.items() if k != "inputs"})
    return result.summary
