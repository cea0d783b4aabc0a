"""What each rule checks and how a regional office fixes it at the source.

The rule catalogue is defined once, by the validation suites (``expectations/<entity>.json``): every
expectation carries ``meta = {rule, severity, fix}`` and usually ``kwargs.column``. The reports read those
suites as plain JSON (no Great Expectations import), so a rule added to a suite gets its fix hint in the
reports without any change here. Only a generic fallback sentence lives in this module.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from talenta.domain.schemas import SCHEMAS
from talenta.settings import home


@dataclass(frozen=True)
class RuleHint:
    """One rule as the reports show it."""

    rule: str
    entity: str | None
    severity: str | None
    fields: tuple[str, ...]
    fix: str

    @property
    def field(self) -> str | None:
        """The first canonical field the rule checks (``None`` when it is about the whole row)."""
        return self.fields[0] if self.fields else None


def expectations_dir() -> Path:
    """Folder of the reviewed suites (``TALENTA_EXPECTATIONS_DIR``, default ``$TALENTA_HOME/expectations``)."""
    return Path(os.environ.get("TALENTA_EXPECTATIONS_DIR", home() / "expectations"))


@cache
def load_hints(folder: Path | None = None) -> dict[str, RuleHint]:
    """Rule name → hint, from every suite file; an absent folder gives an empty catalogue."""
    folder = folder or expectations_dir()
    out: dict[str, RuleHint] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            suite = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A broken suite is the validation stage's error to raise; reports fall back to generic hints.
            continue
        for exp in suite.get("expectations", []) if isinstance(suite, dict) else []:
            meta = exp.get("meta") or {}
            rule = meta.get("rule")
            if not rule:
                continue
            kwargs = exp.get("kwargs") or {}
            # Suites check derived columns (``_nip_shape``): report the canonical field they are about.
            columns = [kwargs.get("column"), *(kwargs.get("column_list") or [])]
            fields = [c if c in SCHEMAS.get(path.stem, SCHEMAS["employee"]).names else guess_field(str(c), path.stem)
                      for c in columns if c]
            prev = out.get(rule)
            merged = tuple(dict.fromkeys([*(prev.fields if prev else ()), *(f for f in fields if f)]))
            fix = (prev.fix if prev and prev.fix else "") or str(meta.get("fix") or "")
            out[rule] = RuleHint(rule, path.stem, meta.get("severity") or (prev.severity if prev else None),
                                 merged, fix)
    return out


def guess_field(rule: str, entity: str | None) -> str | None:
    """The canonical column a rule is most likely about, from its name (longest column name it contains)."""
    columns = SCHEMAS[entity].names if entity in SCHEMAS else sorted({c for s in SCHEMAS.values() for c in s.names})
    found = [c for c in columns if c in rule]
    return max(found, key=len) if found else None


def hint_for(rule: str, entity: str | None = None) -> RuleHint:
    """The hint for a rule: from the suites when known, else a generic sentence naming the field."""
    known = load_hints().get(rule)
    if known is not None and known.fix:
        return known
    field = (known.field if known else None) or guess_field(rule, entity)
    what = f"kolom '{field}'" if field else "data baris ini"
    fix = (f"Periksa dan perbaiki {what} di SIMPEG sumber sesuai aturan '{rule}', lalu sinkronkan ulang. "
           f"/ Check and correct {'field ' + repr(field) if field else 'this row'} in the source SIMPEG "
           f"(rule '{rule}'), then re-sync.")
    return RuleHint(rule, entity, known.severity if known else None, (field,) if field else (), fix)
