"""``validate_batch``: one GX run per entity over every source of a batch, then the split per source.

Every row received comes out exactly once: in ``accepted`` (it failed no critical rule; warnings it failed
are listed in ``dq_warnings``) or in ``quarantined`` (it failed at least one critical rule; every rule it
failed is listed, with a sentence per failure naming the field, the value and what to do). A source whose
share of quarantined rows exceeds the configured threshold is ``held``: its silver rows are still returned
for diagnosis, but the warehouse merge must skip them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from talenta.domain.schemas import (
    DQ_CHECK,
    QUARANTINE,
    SCHEMAS,
    silver_schema,
    silver_validated_schema,
)
from talenta.validate import engine
from talenta.validate.prepare import parameters, prepare
from talenta.validate.rules import PARSE_RULE, Rule, Suite, ValidationConfig, load_config, load_suite

PARSE_ERRORS = "parse_errors"

_TYPE_WORDS = {"date32[day]": "a date in the source's date format", "int16": "a whole number",
               "int64": "a whole number", "double": "a number", "timestamp[us]": "a date-time"}


@dataclass
class ValidationOutcome:
    """What validation decided for one source and entity.

    ``accepted``: silver rows plus ``dq_warnings``; ``quarantined``: quarantine columns; ``checks``: one dq
    row per rule; ``held``: nothing of this source+entity may be merged; ``reason``: why it is held.
    """

    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    checks: pd.DataFrame
    held: bool
    reason: str | None

    @property
    def rows(self) -> int:
        """Rows received (= accepted + quarantined)."""
        return len(self.accepted) + len(self.quarantined)


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "(empty)"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


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
    """Make Arrow-backed columns one chunk each: concat leaves one chunk per source, and GX's and our row
    lookups over 644 chunks cost far more than the one-off copy."""
    for column in df.columns:
        arr = df[column].array
        if isinstance(arr.dtype, pd.StringDtype | pd.ArrowDtype) and hasattr(arr, "__arrow_array__"):
            chunked = arr.__arrow_array__()
            if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
                df[column] = pd.array(chunked.combine_chunks(), dtype=arr.dtype)


def _combine(entity: str, frames: list[tuple[str, pd.DataFrame]], run_id: str
             ) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """All frames in one, with every canonical, lineage and ``parse_errors`` column present; and the parts."""
    columns = [*silver_schema(entity).names, PARSE_ERRORS]
    parts = []
    seen = [sid for sid, _ in frames]
    if len(set(seen)) != len(seen):
        twice = sorted({sid for sid in seen if seen.count(sid) > 1})
        raise ValueError(f"entity {entity}: sources {twice} appear more than once in the batch; concatenate "
                         "a source's frames before validating so its outcome is one")
    for source_id, frame in frames:
        if "source_row_ref" not in frame or frame["source_row_ref"].isna().any():
            raise ValueError(f"source {source_id}, entity {entity}: rows without source_row_ref; the "
                             "harmonizer must give every row its reference (file:row, page:index, table key)")
        part = frame.reindex(columns=list(dict.fromkeys([*columns, *frame.columns])))
        part["source_id"] = source_id
        part["run_id"] = part["run_id"].fillna(run_id) if part["run_id"].notna().any() else run_id
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=columns), parts
    combined = pd.concat(parts, ignore_index=True)
    _rechunk(combined)
    dup = combined.duplicated(["source_id", "source_row_ref"], keep=False)
    if dup.any():
        first = combined.loc[dup, ["source_id", "source_row_ref"]].head(3).to_dict("records")
        raise ValueError(f"entity {entity}: source_row_ref repeats within a source (e.g. {first}); each row "
                         "needs its own reference, fix the harmonizer's row numbering")
    return combined, parts


def _failures(suite: Suite, combined: pd.DataFrame, logical_date: str, parse: dict[int, dict[str, Any]]
              ) -> tuple[list[Rule], np.ndarray, dict[tuple[int, int], list[str]]]:
    """Rows × rules failure matrix, and the parse-error fields behind each (row, rule) failure."""
    cfg = load_config()
    rules = list(suite.rules.values())
    col = {r.name: i for i, r in enumerate(rules)}
    fail = np.zeros((len(combined), len(rules)), dtype=bool)
    parse_cols = {c for fields in parse.values() for c in fields}
    if len(combined):
        prepared = prepare(suite.entity, combined, logical_date)
        params = parameters(logical_date, earliest_year=cfg.earliest_year,
                            earliest_assessment_year=cfg.earliest_assessment_year)
        for res in engine.run_suite(suite, prepared, params):
            if res.rule == PARSE_RULE or not len(res.failed_positions):
                continue  # unreadable values are attributed below, per field
            positions = res.failed_positions
            exp = suite.expectations[res.index]
            column = exp["kwargs"]["column"]
            if exp["type"] == "expect_column_values_to_not_be_null" and column in parse_cols:
                # Null because unreadable, not because missing: the field's own rule reports it.
                positions = np.array([p for p in positions if column not in parse.get(int(p), {})], dtype=np.intp)
            fail[positions, col[res.rule]] = True
    parse_fields: dict[tuple[int, int], list[str]] = {}
    for pos, fields in parse.items():
        for field in fields:
            r = col[suite.rule_for_parse_error(field)]
            fail[pos, r] = True
            parse_fields.setdefault((pos, r), []).append(field)
    return rules, fail, parse_fields


def _reason(rule: Rule, row: dict[str, Any], parse_row: dict[str, Any], parse_fields: list[str],
            parse_fix: str) -> list[str]:
    """Sentences for one failed rule of one row: field, value as received, what to do."""
    out = []
    schema = SCHEMAS[rule.entity]
    for field in parse_fields:
        kind = _TYPE_WORDS.get(str(schema.field(field).type), "a known code") \
            if field in schema.names else "readable"
        out.append(f"[{rule.name}] {field} {_show(parse_row[field])} is not {kind}. {parse_fix}")
    if not parse_fields:
        values = ", ".join(f"{f}={_show(row.get(f))}" for f in rule.fields)
        out.append(f"[{rule.name}] {rule.message} Values: {values}. {rule.fix}")
    return out


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _split(entity: str, source_id: str, part: pd.DataFrame, start: int, rules: list[Rule], fail: np.ndarray,
           parse: dict[int, dict[str, Any]], parse_fields: dict[tuple[int, int], list[str]], *,
           run_id: str, logical_date: str, cfg: ValidationConfig) -> ValidationOutcome:
    """One source's outcome; ``part`` is its contiguous slice of the batch, starting at row ``start``."""
    positions = np.arange(start, start + len(part))
    sub = fail[positions]
    critical = np.array([r.severity == "critical" for r in rules], dtype=bool)
    bad = sub[:, critical].any(axis=1)
    local = np.arange(len(part))
    acc_pos, q_pos = positions[~bad], positions[bad]
    silver_cols = silver_schema(entity).names

    accepted = part.iloc[local[~bad]][silver_cols].reset_index(drop=True)
    warn_idx = np.flatnonzero(~critical)
    flags = np.empty(len(acc_pos), dtype=object)
    flags[:] = [[] for _ in range(len(acc_pos))]
    acc_warn = fail[acc_pos][:, warn_idx]
    # Only flagged rows need Python; millions of clean rows keep their shared-nothing empty lists.
    for i in np.flatnonzero(acc_warn.any(axis=1)):
        flags[i] = [rules[warn_idx[j]].name for j in np.flatnonzero(acc_warn[i])]
    accepted["dq_warnings"] = flags

    refs = part["source_row_ref"].to_numpy()
    records = part.iloc[local[bad]][silver_cols].astype(object).to_dict("records") if len(q_pos) else []
    parse_fix = next(r.fix for r in rules if r.name == PARSE_RULE)
    q_rows = []
    for pos, rec in zip(q_pos, records, strict=True):
        failed = np.flatnonzero(fail[pos])
        prow = parse.get(int(pos), {})
        reasons = []
        for j in failed:
            reasons += _reason(rules[j], rec, prow, parse_fields.get((int(pos), int(j)), []), parse_fix)
        raw = {k: _jsonable(v) for k, v in rec.items()} | {k: _jsonable(v) for k, v in prow.items()}
        nip = rec.get("nip")
        q_rows.append({
            "run_id": run_id, "source_id": rec["source_id"], "entity": entity,
            "source_row_ref": rec["source_row_ref"], "nip": None if _jsonable(nip) is None else str(nip),
            "failed_checks": [rules[j].name for j in failed], "reasons": reasons,
            "record": json.dumps(raw, ensure_ascii=False, default=str),
        })
    quarantined = pd.DataFrame(q_rows, columns=QUARANTINE.names)

    checks = []
    for j, rule in enumerate(rules):
        failed_pos = local[sub[:, j]]
        checks.append({
            "run_id": run_id, "source_id": source_id, "entity": entity, "logical_date": logical_date,
            "rule": rule.name, "severity": rule.severity, "rows_checked": len(positions),
            "rows_failed": len(failed_pos), "passed": len(failed_pos) == 0,
            "example_refs": [str(r) for r in refs[failed_pos[: cfg.example_refs]]],
        })
    checks_df = pd.DataFrame(checks, columns=DQ_CHECK.names)

    held, reason = False, None
    n = len(positions)
    share = len(q_pos) / n if n else 0.0
    if n >= cfg.min_rows_for_hold and share > cfg.held_threshold:
        top = sorted(((int(sub[:, j].sum()), rules[j].name) for j in np.flatnonzero(critical)), reverse=True)
        named = ", ".join(f"{name} ({count})" for count, name in top[:3] if count)
        held = True
        reason = (f"source {source_id}, {entity}: {len(q_pos)} of {n} rows ({share:.0%}) failed critical rules, "
                  f"above the {cfg.held_threshold:.0%} threshold; most frequent: {named}. Nothing of this "
                  "source is merged until the rows are corrected at the source and the sync is re-run.")
    return ValidationOutcome(accepted, quarantined, checks_df, held, reason)


def validate_batch(entity: str, frames: list[tuple[str, pd.DataFrame]], *, run_id: str, logical_date: str
                   ) -> dict[str, ValidationOutcome]:
    """Validate harmonized frames of several sources for one entity; one outcome per source id.

    ``frames`` are ``(source_id, DataFrame)`` with canonical + lineage columns and ``parse_errors`` (JSON
    ``{column: raw value}`` for values the harmonizer could not read, which arrive null). One GX run covers
    all frames; results are split per source by ``source_row_ref``.
    """
    suite = load_suite(entity)
    combined, parts = _combine(entity, frames, run_id)
    parse = {}
    if PARSE_ERRORS in combined:
        raw = combined[PARSE_ERRORS]
        for pos in np.flatnonzero(raw.notna().to_numpy()):
            found = _parse_errors(raw.iloc[pos])
            if found:
                parse[int(pos)] = found
    rules, fail, parse_fields = _failures(suite, combined, logical_date, parse)
    cfg = load_config()
    outcomes = {}
    start = 0
    # _combine keeps each source's rows contiguous and in order, so source k is rows start..start+len of
    # the failure matrix, and its own (small, unchunked) part serves the row lookups.
    for (source_id, _), part in zip(frames, parts, strict=True):
        outcomes[source_id] = _split(entity, source_id, part.reset_index(drop=True), start, rules, fail, parse,
                                     parse_fields, run_id=run_id, logical_date=logical_date, cfg=cfg)
        start += len(part)
    return outcomes


def to_tables(entity: str, outcome: ValidationOutcome) -> dict[str, pa.Table]:
    """The outcome as Arrow tables for the lake zones ``silver``, ``quarantine`` and ``dq``."""
    return {
        "silver": pa.Table.from_pandas(outcome.accepted, schema=silver_validated_schema(entity),
                                       preserve_index=False),
        "quarantine": pa.Table.from_pandas(outcome.quarantined, schema=QUARANTINE, preserve_index=False),
        "dq": pa.Table.from_pandas(outcome.checks, schema=DQ_CHECK, preserve_index=False),
    }
