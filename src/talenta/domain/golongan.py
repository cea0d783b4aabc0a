"""Golongan/ruang codes: PNS ``I/a``..``IV/e`` (with SIASN ids and pangkat) and PPPK ``I``..``XVII``.

Regional systems spell the same golongan many ways (``III/c``, ``IIIc``, ``III/C``, ``Penata, III/c``,
``33``, ``Golongan IX``); :func:`normalize` turns each spelling into the canonical code, or ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PnsGolongan:
    """One PNS golongan/ruang: canonical code, SIASN id, pangkat name and a rank for ordering."""

    code: str
    siasn_id: str
    pangkat: str
    rank: int


PNS: tuple[PnsGolongan, ...] = (
    PnsGolongan("I/a", "11", "Juru Muda", 1),
    PnsGolongan("I/b", "12", "Juru Muda Tingkat I", 2),
    PnsGolongan("I/c", "13", "Juru", 3),
    PnsGolongan("I/d", "14", "Juru Tingkat I", 4),
    PnsGolongan("II/a", "21", "Pengatur Muda", 5),
    PnsGolongan("II/b", "22", "Pengatur Muda Tingkat I", 6),
    PnsGolongan("II/c", "23", "Pengatur", 7),
    PnsGolongan("II/d", "24", "Pengatur Tingkat I", 8),
    PnsGolongan("III/a", "31", "Penata Muda", 9),
    PnsGolongan("III/b", "32", "Penata Muda Tingkat I", 10),
    PnsGolongan("III/c", "33", "Penata", 11),
    PnsGolongan("III/d", "34", "Penata Tingkat I", 12),
    PnsGolongan("IV/a", "41", "Pembina", 13),
    PnsGolongan("IV/b", "42", "Pembina Tingkat I", 14),
    PnsGolongan("IV/c", "43", "Pembina Utama Muda", 15),
    PnsGolongan("IV/d", "44", "Pembina Utama Madya", 16),
    PnsGolongan("IV/e", "45", "Pembina Utama", 17),
)
PNS_CODES: tuple[str, ...] = tuple(g.code for g in PNS)
PNS_BY_CODE = {g.code: g for g in PNS}
PNS_BY_SIASN_ID = {g.siasn_id: g for g in PNS}

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
         "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII")
PPPK_CODES: tuple[str, ...] = ROMAN
PPPK_RANK = {code: i + 1 for i, code in enumerate(PPPK_CODES)}

_PNS_RE = re.compile(r"^(?:.*?[,\s])?\s*(IV|III|II|I)\s*[/.\-]?\s*([A-Ea-e])\s*$")
_PPPK_RE = re.compile(r"^(?:PPPK\s+)?(?:GOL(?:ONGAN)?\.?\s+)?([IVX]+)$")


def normalize(raw: object, employment_type: str | None = None) -> str | None:
    """Canonical golongan for one spelling, or ``None`` when it cannot be read.

    ``employment_type`` ('PNS' or 'PPPK') resolves the ambiguity of bare roman numerals: ``III`` is a
    PPPK golongan, never a PNS one (PNS always have a ruang letter).
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.lower() in {"nan", "none", "null", "-"}:
        return None
    if text.isdigit() and len(text) == 2 and text in PNS_BY_SIASN_ID and employment_type != "PPPK":
        return PNS_BY_SIASN_ID[text].code
    match = _PNS_RE.match(text)
    if match and employment_type != "PPPK":
        return f"{match.group(1)}/{match.group(2).lower()}"
    match = _PPPK_RE.match(text.upper())
    if match and match.group(1) in PPPK_RANK and employment_type != "PNS":
        return match.group(1)
    return None


def is_valid_for(code: str | None, employment_type: str | None) -> bool:
    """True when ``code`` is a golongan the employment type can hold."""
    if employment_type == "PNS":
        return code in PNS_BY_CODE
    if employment_type == "PPPK":
        return code in PPPK_RANK
    return False


def rank(code: str | None) -> int | None:
    """Order of a PNS golongan (1 = I/a .. 17 = IV/e), ``None`` for anything else."""
    g = PNS_BY_CODE.get(code or "")
    return g.rank if g else None
