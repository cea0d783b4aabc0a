"""Dialects: how one vendor's system names columns, spells codes, writes dates and encodes text.

Each dialect is a YAML file in ``config/dialects/`` (adding a vendor means adding a file, not code):

* ``kind`` (``rest_api``/``sql_db``/``file_drop``) and ``format`` (``csv``/``xlsx``/``json``/``sql``);
* ``encoding``, ``delimiter`` and ``date_format`` (a ``strftime`` pattern) for the raw values;
* ``spelling``: the vendor's code style per field (used by the synthetic generator to write like the vendor;
  harmonization accepts every known spelling whatever the style);
* ``entities``: per canonical entity, the ``table`` (file stem, API path or table name), an optional ``key``
  and ``updated_column`` (incremental extraction), and ``columns``: canonical name → vendor column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from talenta.domain.schemas import SCHEMAS
from talenta.settings import config_dir


class DialectError(ValueError):
    """A dialect file is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class EntityMapping:
    """How one entity appears in a vendor system."""

    table: str
    columns: dict[str, str]
    key: str | None = None
    updated_column: str | None = None

    @property
    def vendor_to_canonical(self) -> dict[str, str]:
        """Vendor column → canonical column."""
        return {vendor: canonical for canonical, vendor in self.columns.items()}


@dataclass(frozen=True)
class Dialect:
    """One vendor dialect (see the module docstring for the file format)."""

    name: str
    kind: str
    format: str
    date_format: str
    entities: dict[str, EntityMapping]
    encoding: str = "utf-8"
    delimiter: str = ","
    spelling: dict[str, str] = field(default_factory=dict)


def dialects_dir() -> Path:
    """Folder of the dialect files."""
    return config_dir() / "dialects"


def _parse(path: Path) -> Dialect:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = f"dialect file {path}"
    for required in ("name", "kind", "format", "date_format", "entities"):
        if required not in raw:
            raise DialectError(f"{where}: missing key {required!r}")
    entities = {}
    for entity, spec in raw["entities"].items():
        if entity not in SCHEMAS:
            raise DialectError(f"{where}: unknown entity {entity!r}; expected one of {list(SCHEMAS)}")
        unknown = set(spec.get("columns", {})) - set(SCHEMAS[entity].names)
        if unknown:
            raise DialectError(f"{where}: entity {entity} maps unknown canonical columns {sorted(unknown)}")
        entities[entity] = EntityMapping(
            table=spec["table"], columns=dict(spec["columns"]), key=spec.get("key"),
            updated_column=spec.get("updated_column"),
        )
    return Dialect(
        name=raw["name"], kind=raw["kind"], format=raw["format"], date_format=raw["date_format"],
        entities=entities, encoding=raw.get("encoding", "utf-8"), delimiter=raw.get("delimiter", ","),
        spelling=dict(raw.get("spelling", {})),
    )


@cache
def load_dialects(folder: Path | None = None) -> dict[str, Dialect]:
    """All dialects, keyed by name."""
    folder = folder or dialects_dir()
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        dialect = _parse(path)
        if dialect.name != path.stem:
            raise DialectError(f"dialect file {path}: name {dialect.name!r} must equal the file name")
        out[dialect.name] = dialect
    return out


def dialect_names() -> frozenset[str]:
    """Names of every known dialect."""
    return frozenset(load_dialects())


def get_dialect(name: str) -> Dialect:
    """One dialect by name, with a clear error when there is no such file."""
    try:
        return load_dialects()[name]
    except KeyError:
        raise DialectError(f"no dialect {name!r} in {dialects_dir()}; add config/dialects/{name}.yaml") from None
