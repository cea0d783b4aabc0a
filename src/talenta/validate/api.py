"""``validate_batch``: one GX run per entity over every source of a batch, then the split per source.

Every row received comes out exactly once: in ``accepted`` (it failed no critical rule; warnings it failed
are listed in ``dq_warnings``) or in ``quarantined`` (it failed at least one critical rule; every rule it
failed is listed, with a sentence per failure naming the field, the value and what to do). A source whose
share of quarantined rows exceeds the configured threshold is ``held``: its silver rows are still returned
for diagnosis, but the warehouse merge must skip them.

The hot path is column-wise over the whole batch: one rows × rules failure matrix, counts per source from
one ``bincount`` per rule, reasons and records built per rule and per column, and each source's outcome cut
as a contiguous slice (the batch keeps each source's rows together and in order).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from talenta.domain.schemas import DQ_CHECK, QUARANTINE, SCHEMAS, silver_schema, silver_validated_schema
from talenta.validate import engine
from talenta.validate.prepare import parameters, prepare
from talenta.validate.render import join, jsonable, records_json, show, show_column
from talenta.validate.rules import PARSE_RULE, Rule, Suite, ValidationConfig, load_config, load_suite

PARSE_ERRORS = "parse_errors"
_LIST = pd.ArrowDtype(pa.list_(pa.string()))
_TYPE_WORDS = {"date32[day]": "a date in the source's date format", "int16": "a whole number",
               "int64": "a whole number", "double": "a number", "timestamp[us]": "a date-time"}


@dataclass
class ValidationOutcome:
    """What validation decided for one source and entity.

    ``accepted``: silver rows plus ``dq_warnings``; ``quarantined``: quarantine columns; ``checks``: one dq
    row per rule; ``held``: nothing of this source+entity may be merged; ``reason``: why it is held;
    ``gx_result``: GX's validation result of the whole batch this source was validated in (shared by the
    batch's outcomes; what :func:`talenta.validate.build_data_docs` renders).
    """

    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    checks: pd.DataFrame
    held: bool
    reason: str | None
    gx_result: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        """Rows received (= accepted + quarantined)."""
        return len(self.accepted) + len(self.quarantined)


def _parse_errors(raw: Any) -> dict[str, Any]:
    """The ``{column: raw value}`` a harmonizer left; unreadable JSON is itself an unreadable value."""
    if raw is None or raw is pd.NA or (isinstance(raw, float) and math.isnan(raw)):
        return {}
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (ValueError, TypeError):
        return {PARSE_ERRORS: raw}
    return parsed if isinstance(parsed, dict) else {PARSE_ERRORS: raw}


def _rechunk(df: pd.DataFrame) -> None:
    """Make Arrow-backed columns one chunk each: concat leaves one chunk per source, and row lookups over
    hundreds of chunks cost far more than the one-off copy."""
    for column in df.columns:
        arr = df[column].array
        if isinstance(arr.dtype, pd.StringDtype | pd.ArrowDtype) and hasattr(arr, "__arrow_array__"):
            chunked = arr.__arrow_array__()
            if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
                df[column] = pd.array(chunked.combine_chunks(), dtype=arr.dtype)


def _combine(entity: str, frames: list[tuple[str, pd.DataFrame]], run_id: str) -> tuple[pd.DataFrame, np.ndarray]:
    """All frames in one (sources contiguous, in order) with every canonical, lineage and ``parse_errors``
    column; and each source's row count."""
    columns = [*silver_schema(entity).names, PARSE_ERRORS]
    seen = [sid for sid, _ in frames]
    if len(set(seen)) != len(seen):
        twice = sorted({sid for sid in seen if seen.count(sid) > 1})
        raise ValueError(f"entity {entity}: sources {twice} appear more than once in the batch; concatenate "
                         "a source's frames before validating so its outcome is one")
    for source_id, frame in frames:
        if "source_row_ref" not in frame or frame["source_row_ref"].isna().any():
            raise ValueError(f"source {source_id}, entity {entity}: rows without source_row_ref; the "
                             "harmonizer must give every row its reference (file:row, page:index, table key)")
    lengths = np.array([len(frame) for _, frame in frames], dtype=np.int64)
    if not frames:
        return pd.DataFrame(columns=columns), lengths
    combined = pd.concat([frame for _, frame in frames], ignore_index=True)
    combined = combined.reindex(columns=list(dict.fromkeys([*columns, *combined.columns])))
    combined["source_id"] = pd.array(np.repeat(np.array(seen, dtype=object), lengths), dtype="string")
    combined["run_id"] = combined["run_id"].astype("string").fillna(run_id)
    _rechunk(combined)
    dup = combined.duplicated(["source_id", "source_row_ref"], keep=False)
    if dup.any():
        first = combined.loc[dup, ["source_id", "source_row_ref"]].head(3).to_dict("records")
        raise ValueError(f"entity {entity}: source_row_ref repeats within a source (e.g. {first}); each row "
                         "needs its own reference, fix the harmonizer's row numbering")
    return combined, lengths


@dataclass
class _Failures:
    rules: list[Rule]
    fail: np.ndarray  # rows × rules
    parse: dict[int, dict[str, Any]]  # row → {column: raw value} for rows with unreadable values
    parse_fields: dict[tuple[int, int], list[str]]  # (row, rule) → unreadable columns behind that failure
    gx_result: dict[str, Any] | None


def _failures(suite: Suite, combined: pd.DataFrame, logical_date: str) -> _Failures:
    """Rows × rules failure matrix from one GX run, with unreadable values attributed to their field's rule."""
    cfg = load_config()
    rules = list(suite.rules.values())
    col = {r.name: i for i, r in enumerate(rules)}
    n = len(combined)
    fail = np.zeros((n, len(rules)), dtype=bool)
    parse: dict[int, dict[str, Any]] = {}
    if PARSE_ERRORS in combined:
        raw = combined[PARSE_ERRORS]
        # Rows with unreadable values are few; each carries its own small JSON.
        for pos in np.flatnonzero(raw.notna().to_numpy(dtype=bool)):
            found = _parse_errors(raw.iloc[pos])
            if found:
                parse[int(pos)] = found
    unreadable: dict[str, np.ndarray] = {}
    for pos, fields in parse.items():
        for name in fields:
            unreadable.setdefault(name, np.zeros(n, dtype=bool))[pos] = True
    gx_result = None
    if n:
        prepared = prepare(suite.entity, combined, logical_date)
        params = parameters(logical_date, earliest_year=cfg.earliest_year,
                            earliest_assessment_year=cfg.earliest_assessment_year)
        run = engine.run_suite(suite, prepared, params)
        gx_result = run.gx_result
        for res in run.results:
            if res.rule == PARSE_RULE or not res.unexpected_count:
                continue  # unreadable values are attributed below, per field
            mask = res.failed
            exp = suite.expectations[res.index]
            column = exp["kwargs"]["column"]
            if exp["type"] == "expect_column_values_to_not_be_null" and column in unreadable:
                # Null because unreadable, not because missing: the field's own rule reports it.
                mask = mask & ~unreadable[column]
            fail[:, col[res.rule]] |= mask
    parse_fields: dict[tuple[int, int], list[str]] = {}
    for pos, fields in parse.items():
        for name in fields:
            r = col[suite.rule_for_parse_error(name)]
            fail[pos, r] = True
            parse_fields.setdefault((pos, r), []).append(name)
    return _Failures(rules, fail, parse, parse_fields, gx_result)


def _list_column(rows: np.ndarray, values: np.ndarray, n: int) -> pd.Series:
    """A list<string> column of ``n`` rows from (row, value) pairs sorted by row."""
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
    arr = pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.string()))
    return pd.Series(pd.array(arr.cast(pa.list_(pa.string())), dtype=_LIST))


def _parse_sentences(rule: Rule, prow: dict[str, Any], names: list[str], parse_fix: str) -> list[str]:
    schema = SCHEMAS[rule.entity]
    out = []
    for name in names:
        kind = _TYPE_WORDS.get(str(schema.field(name).type), "a known code") if name in schema.names \
            else "readable"
        out.append(f"[{rule.name}] {name} {show(prow[name])} is not {kind}. {parse_fix}")
    return out


def _reasons(f: _Failures, rows: pd.DataFrame, qpos: np.ndarray) -> pd.Series:
    """One list of sentences per quarantined row: per failed rule, field values as received and the fix."""
    parse_fix = next(r.fix for r in f.rules if r.name == PARSE_RULE)
    sub = f.fail[qpos]
    q_rows, q_rule, q_sub, q_text = [], [], [], []
    shown: dict[str, np.ndarray] = {}
    for j, rule in enumerate(f.rules):
        hit = np.flatnonzero(sub[:, j])
        if not len(hit):
            continue
        special = np.array([(int(qpos[i]), j) in f.parse_fields for i in hit], dtype=bool) if f.parse_fields \
            else np.zeros(len(hit), dtype=bool)
        plain = hit[~special]
        if len(plain):
            pieces: list[Any] = [f"[{rule.name}] {rule.message} Values: "]
            for k, name in enumerate(rule.fields):
                if name not in shown:
                    shown[name] = show_column(rows[name]) if name in rows else np.full(len(rows), "(empty)",
                                                                                       dtype=object)
                pieces += [(", " if k else "") + f"{name}=", shown[name][plain]]
            q_rows.append(plain)
            q_rule.append(np.full(len(plain), j))
            q_sub.append(np.zeros(len(plain), dtype=np.int64))
            q_text.append(join([*pieces, f". {rule.fix}"], len(plain)))
        for i in hit[special]:
            pos = int(qpos[i])
            sentences = _parse_sentences(rule, f.parse[pos], f.parse_fields[(pos, j)], parse_fix)
            q_rows.append(np.full(len(sentences), i))
            q_rule.append(np.full(len(sentences), j))
            q_sub.append(np.arange(len(sentences)))
            q_text.append(np.array(sentences, dtype=object))
    if not q_rows:
        return _list_column(np.empty(0, dtype=np.int64), np.empty(0, dtype=object), len(qpos))
    r, j, s, t = (np.concatenate(x) for x in (q_rows, q_rule, q_sub, q_text))
    order = np.lexsort((s, j, r))
    return _list_column(r[order], t[order], len(qpos))


def _quarantine(entity: str, f: _Failures, combined: pd.DataFrame, qpos: np.ndarray, run_id: str) -> pd.DataFrame:
    """Quarantine rows (all sources), column by column."""
    silver_cols = silver_schema(entity).names
    rows = combined.iloc[qpos][silver_cols].reset_index(drop=True)
    r, j = np.nonzero(f.fail[qpos])
    names = np.array([rule.name for rule in f.rules], dtype=object)
    records = records_json(rows)
    for i in np.flatnonzero(np.isin(qpos, np.fromiter(f.parse, dtype=np.int64, count=len(f.parse)))):
        prow = f.parse[int(qpos[i])]
        if prow:  # rare: the raw unreadable values join the record, as received
            rec = json.loads(records[i]) | {k: jsonable(v) for k, v in prow.items()}
            records[i] = json.dumps(rec, ensure_ascii=False, default=str)
    nip = rows["nip"].astype("string") if "nip" in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    return pd.DataFrame({
        "run_id": pd.Series(run_id, index=rows.index, dtype="string"),
        "source_id": rows["source_id"].astype("string"),
        "entity": pd.Series(entity, index=rows.index, dtype="string"),
        "source_row_ref": rows["source_row_ref"].astype("string"),
        "nip": nip,
        "failed_checks": _list_column(r, names[j], len(qpos)),
        "reasons": _reasons(f, rows, qpos),
        "record": pd.Series(records, index=rows.index, dtype="string"),
    }, columns=QUARANTINE.names)


def _checks(entity: str, f: _Failures, combined: pd.DataFrame, codes: np.ndarray, lengths: np.ndarray,
            source_ids: list[str], *, run_id: str, logical_date: str, cfg: ValidationConfig
            ) -> tuple[pd.DataFrame, np.ndarray]:
    """dq rows of every source (source-major, rules in suite order) and the sources × rules failure counts."""
    n_src, n_rules = len(source_ids), len(f.rules)
    counts = np.zeros((n_src, n_rules), dtype=np.int64)
    examples = np.empty(n_src * n_rules, dtype=object)
    examples[:] = [[] for _ in range(len(examples))]
    refs = combined["source_row_ref"].to_numpy(dtype=object) if len(combined) else np.empty(0, dtype=object)
    for j in range(n_rules):
        pos = np.flatnonzero(f.fail[:, j])
        if not len(pos):
            continue
        src = codes[pos]  # non-decreasing: sources are contiguous and in order
        counts[:, j] = np.bincount(src, minlength=n_src)
        bounds = np.searchsorted(src, np.arange(n_src + 1))
        for s in np.flatnonzero(counts[:, j]):
            take = pos[bounds[s]: min(bounds[s] + cfg.example_refs, bounds[s + 1])]
            examples[s * n_rules + j] = [str(x) for x in refs[take]]
    failed = counts.ravel()
    checks = pd.DataFrame({
        "run_id": run_id, "source_id": np.repeat(np.array(source_ids, dtype=object), n_rules), "entity": entity,
        "logical_date": logical_date, "rule": np.tile(np.array([r.name for r in f.rules], dtype=object), n_src),
        "severity": np.tile(np.array([r.severity for r in f.rules], dtype=object), n_src),
        "rows_checked": np.repeat(lengths, n_rules).astype(np.int64), "rows_failed": failed,
        "passed": failed == 0, "example_refs": examples,
    }, columns=DQ_CHECK.names)
    return checks, counts


def _held(source_id: str, entity: str, n: int, quarantined: int, counts: np.ndarray, rules: list[Rule],
          cfg: ValidationConfig) -> str | None:
    """Why this source+entity is held, or None when it may be merged."""
    share = quarantined / n if n else 0.0
    if n < cfg.min_rows_for_hold or share <= cfg.held_threshold:
        return None
    top = sorted(((int(counts[j]), r.name) for j, r in enumerate(rules) if r.severity == "critical"), reverse=True)
    named = ", ".join(f"{name} ({count})" for count, name in top[:3] if count)
    return (f"source {source_id}, {entity}: {quarantined} of {n} rows ({share:.0%}) failed critical rules, "
            f"above the {cfg.held_threshold:.0%} threshold; most frequent: {named}. Nothing of this "
            "source is merged until the rows are corrected at the source and the sync is re-run.")


def validate_batch(entity: str, frames: list[tuple[str, pd.DataFrame]], *, run_id: str, logical_date: str,
                   results_dir: str | Path | None = None) -> dict[str, ValidationOutcome]:
    """Validate harmonized frames of several sources for one entity; one outcome per source id.

    ``frames`` are ``(source_id, DataFrame)`` with canonical + lineage columns and ``parse_errors`` (JSON
    ``{column: raw value}`` for values the harmonizer could not read, which arrive null). One GX run covers
    all frames; results are split per source by position (each source's rows stay contiguous). With
    ``results_dir``, GX's validation result of the batch is also saved there as JSON (see
    :func:`talenta.validate.datadocs.save_gx_result`) for :func:`talenta.validate.build_data_docs`.
    """
    suite = load_suite(entity)
    cfg = load_config()
    combined, lengths = _combine(entity, frames, run_id)
    source_ids = [sid for sid, _ in frames]
    f = _failures(suite, combined, logical_date)
    codes = np.repeat(np.arange(len(frames)), lengths)
    critical = np.array([r.severity == "critical" for r in f.rules], dtype=bool)
    bad = f.fail[:, critical].any(axis=1)
    qpos, apos = np.flatnonzero(bad), np.flatnonzero(~bad)

    silver_cols = silver_schema(entity).names
    accepted = combined.iloc[apos][silver_cols].reset_index(drop=True)
    warn_idx = np.flatnonzero(~critical)
    wr, wk = np.nonzero(f.fail[np.ix_(apos, warn_idx)])
    warn_names = np.array([f.rules[j].name for j in warn_idx], dtype=object)
    accepted["dq_warnings"] = _list_column(wr, warn_names[wk], len(apos))
    quarantined = _quarantine(entity, f, combined, qpos, run_id)
    checks, counts = _checks(entity, f, combined, codes, lengths, source_ids, run_id=run_id,
                             logical_date=logical_date, cfg=cfg)
    if results_dir is not None and f.gx_result is not None:
        from talenta.validate.datadocs import save_gx_result

        save_gx_result(f.gx_result, results_dir, entity=entity, run_id=run_id, logical_date=logical_date,
                       source_ids=source_ids)

    q_len = np.bincount(codes[qpos], minlength=len(frames))
    a_len = lengths - q_len
    a_off, q_off = np.concatenate([[0], np.cumsum(a_len)]), np.concatenate([[0], np.cumsum(q_len)])
    n_rules = len(f.rules)
    outcomes = {}
    for s, source_id in enumerate(source_ids):
        reason = _held(source_id, entity, int(lengths[s]), int(q_len[s]), counts[s], f.rules, cfg)
        outcomes[source_id] = ValidationOutcome(
            accepted.iloc[a_off[s]:a_off[s + 1]].reset_index(drop=True),
            quarantined.iloc[q_off[s]:q_off[s + 1]].reset_index(drop=True),
            checks.iloc[s * n_rules:(s + 1) * n_rules].reset_index(drop=True),
            reason is not None, reason, f.gx_result)
    return outcomes


def to_tables(entity: str, outcome: ValidationOutcome) -> dict[str, pa.Table]:
    """The outcome as Arrow tables for the lake zones ``silver``, ``quarantine`` and ``dq``."""
    return {
        "silver": pa.Table.from_pandas(outcome.accepted, schema=silver_validated_schema(entity),
                                       preserve_index=False),
        "quarantine": pa.Table.from_pandas(outcome.quarantined, schema=QUARANTINE, preserve_index=False),
        "dq": pa.Table.from_pandas(outcome.checks, schema=DQ_CHECK, preserve_index=False),
    }
