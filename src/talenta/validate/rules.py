"""The rule catalogue: read from the reviewed Great Expectations suites in ``expectations/<entity>.json``.

A suite is plain GX 1.x JSON (``name``, ``expectations`` of ``type``/``kwargs``/``meta``, ``meta``). Each
expectation's ``meta`` names the stable ``rule`` it implements, its ``severity`` (``critical``: the row is
quarantined; ``warning``: the row is accepted and flagged), a ``fix`` sentence for the regional office, a
``message`` saying what is wrong and the ``fields`` whose values a reason quotes. Several expectations may
implement one rule (``mandatory_fields`` is one not-null expectation per column).

Suite-level ``meta.parse_error_rules`` maps a column to the rule that reports a value which could not be read
during harmonization (it arrives null, raw text in ``parse_errors``); unmapped columns fall back to
``value_readable``. Value sets that are code lists (regions, agencies, ...) are written as GX parameters
(``{"$PARAMETER": "region_codes"}``) and filled from :mod:`talenta.domain` so no list is defined twice.

This module is pure Python (no GX import): the catalogue is cheap to load for reports and docs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from talenta.domain.schemas import ENTITIES
from talenta.settings import config_dir, home

SEVERITIES = ("critical", "warning")
PARSE_RULE = "value_readable"


class SuiteError(ValueError):
    """A suite or the validation config is invalid; the message names the file and the expectation."""


@dataclass(frozen=True)
class Rule:
    """One named rule: severity, what is wrong, how to fix it, the fields a reason quotes."""

    name: str
    entity: str
    severity: str
    message: str
    fix: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    """An entity's suite: the raw GX expectation configurations and the rules they implement."""

    entity: str
    path: Path
    expectations: tuple[dict[str, Any], ...]
    rules: dict[str, Rule]
    parse_error_rules: dict[str, str] = field(default_factory=dict)

    def rule_for_parse_error(self, column: str) -> str:
        """The rule that reports an unreadable value in ``column``."""
        return self.parse_error_rules.get(column, PARSE_RULE)


def expectations_dir() -> Path:
    """Folder of the reviewed GX suites (``TALENTA_EXPECTATIONS_DIR`` overrides)."""
    import os

    return Path(os.environ.get("TALENTA_EXPECTATIONS_DIR", home() / "expectations"))


def _parse_suite(entity: str, path: Path) -> Suite:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SuiteError(f"no suite for entity {entity!r}: {path} is missing; add the GX suite JSON") from exc
    except json.JSONDecodeError as exc:
        raise SuiteError(f"suite {path} is not valid JSON (line {exc.lineno}): {exc.msg}") from exc
    rules: dict[str, Rule] = {}
    expectations = []
    for i, exp in enumerate(raw.get("expectations", [])):
        where = f"suite {path}, expectation #{i} ({exp.get('type')})"
        meta = exp.get("meta") or {}
        for key in ("rule", "severity", "fix", "message"):
            if not meta.get(key):
                raise SuiteError(f"{where}: meta.{key} is missing; every expectation names its rule")
        if meta["severity"] not in SEVERITIES:
            raise SuiteError(f"{where}: severity {meta['severity']!r} must be one of {SEVERITIES}")
        if "column" not in exp.get("kwargs", {}):
            raise SuiteError(f"{where}: only column expectations are supported (kwargs.column missing)")
        fields = tuple(meta.get("fields") or [exp["kwargs"]["column"]])
        rule = Rule(meta["rule"], entity, meta["severity"], meta["message"], meta["fix"], fields)
        known = rules.get(rule.name)
        if known is not None and known.severity != rule.severity:
            raise SuiteError(f"{where}: rule {rule.name!r} has severity {rule.severity} here but "
                             f"{known.severity} elsewhere; one rule has one severity")
        rules.setdefault(rule.name, rule)
        expectations.append(exp)
    parse_rules = dict((raw.get("meta") or {}).get("parse_error_rules") or {})
    for column, rule_name in parse_rules.items():
        if rule_name not in rules:
            raise SuiteError(f"suite {path}: parse_error_rules maps {column!r} to unknown rule {rule_name!r}")
    if PARSE_RULE not in rules:
        raise SuiteError(f"suite {path}: rule {PARSE_RULE!r} (expectation on parse_errors) is missing")
    return Suite(entity, path, tuple(expectations), rules, parse_rules)


@cache
def load_suite(entity: str, directory: str | None = None) -> Suite:
    """The parsed suite of one entity (cached; ``directory`` defaults to :func:`expectations_dir`)."""
    if entity not in ENTITIES:
        raise SuiteError(f"unknown entity {entity!r}; expected one of {ENTITIES}")
    base = Path(directory) if directory else expectations_dir()
    return _parse_suite(entity, base / f"{entity}.json")


def catalogue() -> dict[str, dict[str, Rule]]:
    """Every rule of every entity: ``{entity: {rule name: Rule}}``."""
    return {entity: load_suite(entity).rules for entity in ENTITIES}


@dataclass(frozen=True)
class ValidationConfig:
    """Thresholds from ``config/validation.yaml``."""

    held_threshold: float = 0.2
    min_rows_for_hold: int = 20
    earliest_year: int = 2000
    earliest_assessment_year: int = 2010
    example_refs: int = 5


def load_config(path: Path | None = None) -> ValidationConfig:
    """Read the validation settings; a missing file gives the documented defaults."""
    path = path or config_dir() / "validation.yaml"
    if not path.exists():
        return ValidationConfig()
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(raw) - set(ValidationConfig.__dataclass_fields__)
    if unknown:
        raise SuiteError(f"{path}: unknown settings {sorted(unknown)}")
    cfg = ValidationConfig(**raw)
    if not 0 <= cfg.held_threshold <= 1:
        raise SuiteError(f"{path}: held_threshold {cfg.held_threshold} must be a share between 0 and 1")
    return cfg
