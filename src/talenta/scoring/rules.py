"""Versioned scoring rule files (``config/scoring/<version>.yaml``): load and validate.

A rule file is configuration, not code: weights, cut-offs and the predikat map change by year and by
policy, so each change is a new version file and every output row records the version it used.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from talenta.domain import education, predikat
from talenta.domain.codes import DISCIPLINE_LEVELS
from talenta.domain.schemas import SECTORS
from talenta.settings import config_dir

KINERJA_COMPONENTS = ("utama", "penghargaan", "penugasan_tim", "umpan_balik_360")
POTENSIAL_COMPONENTS = (
    "kompetensi", "pengembangan_kompetensi", "pengalaman_jabatan", "potensi", "pendidikan",
    "kesesuaian_bidang", "integritas",
)
FIT_COMPONENTS = ("potkom", "kualifikasi", "integritas")
_VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")


class RuleError(ValueError):
    """A rule file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Rules:
    """One validated rule version: its id, the parsed document and the SHA-256 of the file."""

    version: str
    doc: dict[str, Any]
    sha256: str
    path: str

    def __getitem__(self, key: str) -> Any:
        return self.doc[key]


def rules_dir() -> Path:
    """Folder of the versioned scoring rule files."""
    return config_dir() / "scoring"


def available_versions() -> list[str]:
    """Rule versions present in the rule folder, sorted."""
    return sorted(p.stem for p in rules_dir().glob("*.yaml"))


def load_rules(version: str | None = None, *, path: Path | None = None) -> Rules:
    """Load and validate a rule version (default: the highest version in ``config/scoring``)."""
    if path is None:
        versions = available_versions()
        if not versions:
            raise RuleError(f"no scoring rule files in {rules_dir()}: add config/scoring/<version>.yaml")
        version = version or versions[-1]
        if not _VERSION_RE.match(version):
            raise RuleError(f"invalid rule version {version!r}: use letters, digits, '.', '_' or '-'")
        path = rules_dir() / f"{version}.yaml"
    if not path.exists():
        raise RuleError(f"rule file {path} not found; available versions: {available_versions()}")
    raw = path.read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise RuleError(f"rule file {path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RuleError(f"rule file {path} must be a mapping at top level")
    validate_rules(doc, where=str(path))
    if path.stem != str(doc["version"]):
        raise RuleError(f"rule file {path}: version {doc['version']!r} does not match the file name")
    return Rules(str(doc["version"]), doc, hashlib.sha256(raw).hexdigest(), str(path))


def rules_from_dict(doc: dict[str, Any]) -> Rules:
    """Validate an in-memory rule document (tests, what-if runs) and wrap it as :class:`Rules`."""
    validate_rules(doc, where="<dict>")
    digest = hashlib.sha256(yaml.safe_dump(doc, sort_keys=True).encode()).hexdigest()
    return Rules(str(doc["version"]), doc, digest, "<dict>")


def _need(doc: dict[str, Any], dotted: str, where: str) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise RuleError(f"rule file {where}: missing key {dotted!r}")
        node = node[part]
    return node


def _check_components(comps: dict[str, Any], allowed: tuple[str, ...], where: str, axis: str) -> None:
    unknown = set(comps) - set(allowed)
    if unknown:
        raise RuleError(f"rule file {where}: unknown {axis} components {sorted(unknown)}; allowed {allowed}")
    total = sum(float(c["weight"]) for c in comps.values())
    if abs(total - 1.0) > 1e-6:
        raise RuleError(f"rule file {where}: {axis} component weights sum to {total}, must sum to 1")
    if not any(c.get("required") for c in comps.values()):
        raise RuleError(f"rule file {where}: {axis} needs at least one required component")


def validate_rules(doc: dict[str, Any], *, where: str) -> None:
    """Raise :class:`RuleError` naming the key when a rule document is incomplete or inconsistent."""
    version = str(_need(doc, "version", where))
    if not _VERSION_RE.match(version):
        raise RuleError(f"rule file {where}: invalid version {version!r}")
    points = _need(doc, "kinerja.predikat_points", where)
    missing = set(predikat.PREDIKAT) - set(points)
    if missing or set(points) - set(predikat.PREDIKAT):
        raise RuleError(f"rule file {where}: kinerja.predikat_points must map exactly {predikat.PREDIKAT}")
    weights = _need(doc, "kinerja.year_weights", where)
    if len(weights) != int(_need(doc, "kinerja.window_years", where)):
        raise RuleError(f"rule file {where}: kinerja.year_weights needs one weight per window year")
    _check_components(_need(doc, "kinerja.components", where), KINERJA_COMPONENTS, where, "kinerja")
    _check_components(_need(doc, "potensial.components", where), POTENSIAL_COMPONENTS, where, "potensial")
    unknown_edu = set(_need(doc, "potensial.education_points", where)) - set(education.CODES)
    if unknown_edu:
        raise RuleError(f"rule file {where}: unknown education codes {sorted(unknown_edu)}")
    for rule in _need(doc, "potensial.field_fit.rules", where):
        for key in ("jabatan", "major"):
            try:
                re.compile(rule[key])
            except (KeyError, re.error) as exc:
                raise RuleError(f"rule file {where}: bad field_fit rule {rule}: {exc}") from exc
    if set(_need(doc, "integritas.points", where)) != {"none", "serving", *DISCIPLINE_LEVELS}:
        raise RuleError(f"rule file {where}: integritas.points needs none, R, S, B, serving")
    high, mid = float(_need(doc, "levels.high", where)), float(_need(doc, "levels.mid", where))
    if not 0 < mid < high <= 100:
        raise RuleError(f"rule file {where}: levels need 0 < mid < high <= 100, got mid={mid} high={high}")
    nt = _need(doc, "nilai_talenta", where)
    if abs(float(nt["kinerja"]) + float(nt["potensial"]) - 1.0) > 1e-6:
        raise RuleError(f"rule file {where}: nilai_talenta weights must sum to 1")
    for key in ("pools.succession_boxes", "pools.national_boxes", "matching.candidate_boxes"):
        if not set(_need(doc, key, where)) <= set(range(1, 10)):
            raise RuleError(f"rule file {where}: {key} must list boxes 1..9")
    fit = _need(doc, "matching.fit_weights", where)
    if set(fit) != set(FIT_COMPONENTS) or abs(sum(map(float, fit.values())) - 1.0) > 1e-6:
        raise RuleError(f"rule file {where}: matching.fit_weights needs {FIT_COMPONENTS} summing to 1")
    sectors = _need(doc, "matching.sector_weights", where)
    if set(sectors) != set(SECTORS) or min(map(float, sectors.values())) <= 0:
        raise RuleError(f"rule file {where}: matching.sector_weights needs positive weights for {SECTORS}")
    cap = float(_need(doc, "matching.region_pool_cap_share", where))
    if not 0 <= cap <= 1:
        raise RuleError(f"rule file {where}: matching.region_pool_cap_share must be within 0..1")
    if int(_need(doc, "matching.top_k", where)) < 1 or int(_need(doc, "matching.max_considered_per_vacancy", where)) < 1:
        raise RuleError(f"rule file {where}: matching.top_k and max_considered_per_vacancy must be >= 1")
    _need(doc, "fairness.adverse_impact_threshold", where)
    _need(doc, "freshness.max_employee_age_days", where)
