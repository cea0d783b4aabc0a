"""The 552 official Kemendagri regions and the 546 autonomous regional governments.

Data: ``config/regions_kemendagri.csv`` (copied from shared/data; Kepmendagri 300.2.2-2430/2025,
cahyadsn/wilayah, MIT). DKI Jakarta's kabupaten/kota administrasi (31.01, 31.71-31.75) are regions
but not autonomous governments: they have no BKD of their own.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from talenta.settings import config_dir


@dataclass(frozen=True)
class Region:
    """One region: digits-only code (``61`` or ``6110``), name, kind and province code."""

    code: str
    name: str
    kind: str
    province_code: str

    @property
    def dotted(self) -> str:
        """The official dotted form (``61.10``)."""
        return self.code if len(self.code) == 2 else f"{self.code[:2]}.{self.code[2:]}"

    @property
    def autonomous(self) -> bool:
        """True for a region with its own government (and so its own personnel system)."""
        return not (self.province_code == "31" and self.kind != "provinsi")


def regions_file() -> Path:
    """Where the official region list lives."""
    return config_dir() / "regions_kemendagri.csv"


@cache
def all_regions() -> tuple[Region, ...]:
    """All 552 official regions, in file order."""
    with regions_file().open(encoding="utf-8", newline="") as fh:
        return tuple(Region(r["code"], r["name"], r["kind"], r["province_code"]) for r in csv.DictReader(fh))


@cache
def by_code() -> dict[str, Region]:
    """Regions keyed by digits-only code."""
    return {r.code: r for r in all_regions()}


def autonomous_governments() -> tuple[Region, ...]:
    """The 546 regions with their own government: 38 provinces + 415 kabupaten + 93 kota."""
    return tuple(r for r in all_regions() if r.autonomous)


def normalize_code(raw: object) -> str | None:
    """Digits-only region code for ``61.10``, ``6110`` or ``61``; ``None`` when not an official code."""
    if raw is None:
        return None
    text = str(raw).strip().replace(".", "")
    return text if text in by_code() else None


def province_of(code: str) -> str:
    """Province code of a region code."""
    return code[:2]
