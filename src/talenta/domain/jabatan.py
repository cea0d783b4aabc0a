"""Jabatan types and levels, eselon, golongan range per level and retirement age (BUP).

Levels are canonical short codes used everywhere (``jabatan_level`` column):

* struktural: ``JPT_UTAMA``, ``JPT_MADYA``, ``JPT_PRATAMA``, ``ADMINISTRATOR``, ``PENGAWAS``
* fungsional keahlian: ``AHLI_PERTAMA``, ``AHLI_MUDA``, ``AHLI_MADYA``, ``AHLI_UTAMA``
* fungsional keterampilan: ``PEMULA``, ``TERAMPIL``, ``MAHIR``, ``PENYELIA``
* pelaksana: ``PELAKSANA``

Golongan ranges and BUP follow domain.md §2.6–2.7; the eselon ranges there are marked [I], so they live
in this one table where a reviewer can change them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TYPES: tuple[str, ...] = ("struktural", "fungsional", "pelaksana")


@dataclass(frozen=True)
class JabatanLevel:
    """One jabatan level: type, lowest and highest PNS golongan, BUP, SIASN jenjang/eselon, order."""

    code: str
    jabatan_type: str
    min_golongan: str
    max_golongan: str
    bup: int
    siasn: str
    order: int


LEVELS: tuple[JabatanLevel, ...] = (
    JabatanLevel("PELAKSANA", "pelaksana", "I/a", "III/d", 58, "JFU", 1),
    JabatanLevel("PEMULA", "fungsional", "II/a", "II/a", 58, "PM", 2),
    JabatanLevel("TERAMPIL", "fungsional", "II/b", "II/d", 58, "TR", 3),
    JabatanLevel("MAHIR", "fungsional", "III/a", "III/b", 58, "MH", 4),
    JabatanLevel("PENYELIA", "fungsional", "III/c", "III/d", 58, "PY", 5),
    JabatanLevel("AHLI_PERTAMA", "fungsional", "III/a", "III/b", 58, "PT", 4),
    JabatanLevel("AHLI_MUDA", "fungsional", "III/c", "III/d", 58, "MU", 5),
    JabatanLevel("AHLI_MADYA", "fungsional", "IV/a", "IV/c", 60, "MA", 6),
    JabatanLevel("AHLI_UTAMA", "fungsional", "IV/d", "IV/e", 65, "UT", 7),
    JabatanLevel("PENGAWAS", "struktural", "III/b", "III/d", 58, "IV.a", 4),
    JabatanLevel("ADMINISTRATOR", "struktural", "III/d", "IV/b", 58, "III.a", 5),
    JabatanLevel("JPT_PRATAMA", "struktural", "IV/b", "IV/d", 60, "II.a", 6),
    JabatanLevel("JPT_MADYA", "struktural", "IV/c", "IV/e", 60, "I.b", 7),
    JabatanLevel("JPT_UTAMA", "struktural", "IV/d", "IV/e", 60, "I.a", 8),
)
CODES: tuple[str, ...] = tuple(level.code for level in LEVELS)
BY_CODE = {level.code: level for level in LEVELS}

# Eselon (SIASN id → ASN level), domain.md §2.6.
ESELON: dict[str, str] = {
    "10": "JPT_UTAMA", "11": "JPT_MADYA", "12": "JPT_MADYA", "21": "JPT_PRATAMA", "22": "JPT_PRATAMA",
    "31": "ADMINISTRATOR", "32": "ADMINISTRATOR", "41": "PENGAWAS", "42": "PENGAWAS",
}

_ALIASES: dict[str, str] = {
    "JPT UTAMA": "JPT_UTAMA", "JPT MADYA": "JPT_MADYA", "JPT PRATAMA": "JPT_PRATAMA",
    "ADMINISTRATOR": "ADMINISTRATOR", "PENGAWAS": "PENGAWAS", "PELAKSANA": "PELAKSANA", "JFU": "PELAKSANA",
    "AHLI PERTAMA": "AHLI_PERTAMA", "AHLI MUDA": "AHLI_MUDA", "AHLI MADYA": "AHLI_MADYA",
    "AHLI UTAMA": "AHLI_UTAMA", "PEMULA": "PEMULA", "TERAMPIL": "TERAMPIL", "MAHIR": "MAHIR",
    "PENYELIA": "PENYELIA", "PT": "AHLI_PERTAMA", "MU": "AHLI_MUDA", "MA": "AHLI_MADYA", "UT": "AHLI_UTAMA",
    "PM": "PEMULA", "TR": "TERAMPIL", "MH": "MAHIR", "PY": "PENYELIA",
    "ESELON I": "JPT_MADYA", "ESELON II": "JPT_PRATAMA", "ESELON III": "ADMINISTRATOR",
    "ESELON IV": "PENGAWAS", "I A": "JPT_UTAMA", "I B": "JPT_MADYA", "II A": "JPT_PRATAMA",
    "II B": "JPT_PRATAMA", "III A": "ADMINISTRATOR", "III B": "ADMINISTRATOR", "IV A": "PENGAWAS",
    "IV B": "PENGAWAS",
}
_TYPE_ALIASES = {
    "STRUKTURAL": "struktural", "JABATAN STRUKTURAL": "struktural", "1": "struktural",
    "FUNGSIONAL": "fungsional", "JABATAN FUNGSIONAL TERTENTU": "fungsional", "JFT": "fungsional",
    "FUNGSIONAL TERTENTU": "fungsional", "2": "fungsional",
    "PELAKSANA": "pelaksana", "JFU": "pelaksana", "FUNGSIONAL UMUM": "pelaksana",
    "JABATAN FUNGSIONAL UMUM": "pelaksana", "4": "pelaksana",
}
_PUNCT = re.compile(r"[^A-Z0-9 ]+")


def _key(raw: object) -> str:
    return " ".join(_PUNCT.sub(" ", str(raw).upper()).split())


def normalize_level(raw: object) -> str | None:
    """Canonical level for a level name, SIASN jenjang or eselon spelling (``II-A``, ``II.a``)."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.lower() in {"nan", "none", "null"}:
        return None
    if text in BY_CODE:
        return text
    if text.isdigit() and text.zfill(2) in ESELON:
        return ESELON[text.zfill(2)]
    return _ALIASES.get(_key(text))


def normalize_type(raw: object) -> str | None:
    """Canonical jabatan type (``struktural``/``fungsional``/``pelaksana``) or ``None``."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.lower() in TYPES:
        return text.lower()
    return _TYPE_ALIASES.get(_key(text))


def bup(level: str | None) -> int:
    """Retirement age (batas usia pensiun) for a level; 58 when the level is unknown."""
    found = BY_CODE.get(level or "")
    return found.bup if found else 58


def golongan_in_range(level: str | None, golongan_code: str | None) -> bool:
    """True when a PNS golongan lies within the level's range (PPPK are not ranged by golongan)."""
    from talenta.domain import golongan

    found = BY_CODE.get(level or "")
    g = golongan.rank(golongan_code)
    if found is None or g is None:
        return False
    return golongan.rank(found.min_golongan) <= g <= golongan.rank(found.max_golongan)
