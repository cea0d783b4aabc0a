"""Canonical value → vendor spelling, per dialect ``spelling`` style (the inverse of harmonization).

Every mapping here is built from the domain code lists (``talenta.domain``), so a spelling the generator
writes is one the harmonizer's ``normalize_*`` functions read back.
"""

from __future__ import annotations

import pandas as pd

from talenta.domain import codes, education, golongan, jabatan

LEVEL_NAMES: dict[str, str] = {
    "PELAKSANA": "Pelaksana", "PEMULA": "Pemula", "TERAMPIL": "Terampil", "MAHIR": "Mahir",
    "PENYELIA": "Penyelia", "AHLI_PERTAMA": "Ahli Pertama", "AHLI_MUDA": "Ahli Muda", "AHLI_MADYA": "Ahli Madya",
    "AHLI_UTAMA": "Ahli Utama", "PENGAWAS": "Pengawas", "ADMINISTRATOR": "Administrator",
    "JPT_PRATAMA": "JPT Pratama", "JPT_MADYA": "JPT Madya", "JPT_UTAMA": "JPT Utama",
}
_JABATAN_TYPE_IDS = {"struktural": "1", "fungsional": "2", "pelaksana": "4"}
_RATING_TEXT = {"DI_ATAS": "DIATAS EKSPEKTASI", "SESUAI": "SESUAI EKSPEKTASI", "DI_BAWAH": "DIBAWAH EKSPEKTASI"}
_RATING_SIASN = {"DI_ATAS": "1", "SESUAI": "2", "DI_BAWAH": "3"}
_PREDIKAT_SIASN = {"Sangat Baik": "1", "Baik": "2", "Butuh Perbaikan": "3", "Kurang": "4", "Sangat Kurang": "5"}


def golongan_map(style: str) -> dict[str, str]:
    """Canonical golongan (PNS ``III/c`` and PPPK ``IX``) → the vendor's spelling for ``style``."""
    out: dict[str, str] = {}
    for g in golongan.PNS:
        roman, letter = g.code.split("/")
        out[g.code] = {
            "slash": g.code, "compact": f"{roman}{letter}", "upper": f"{roman}/{letter.upper()}",
            "pangkat": f"{g.pangkat}, {g.code}", "siasn": g.siasn_id,
        }[style]
    for code in golongan.PPPK_CODES:
        out[code] = f"Golongan {code}" if style == "pangkat" else code
    return out


def education_map(style: str) -> dict[str, str]:
    """Canonical education code → ``name`` (SIASN name), ``code`` (``S1``) or ``siasn`` (``40``)."""
    return {lv.code: {"name": lv.name, "code": lv.code, "siasn": lv.siasn_id}[style] for lv in education.LEVELS}


def gender_map(style: str) -> dict[str, str]:
    """'L'/'P' → ``word`` (Laki-laki/Perempuan), ``letter`` (L/P) or ``siasn`` (M/F)."""
    return {"word": {"L": "Laki-laki", "P": "Perempuan"}, "letter": {"L": "L", "P": "P"},
            "siasn": {"L": "M", "P": "F"}}[style]


def rating_map(style: str) -> dict[str, str]:
    """Canonical SKP rating → ``text`` (DIATAS EKSPEKTASI) or ``siasn`` (1/2/3)."""
    return _RATING_TEXT if style == "text" else _RATING_SIASN


def predikat_map(style: str) -> dict[str, str]:
    """Canonical predikat → ``name`` or ``siasn`` (1..5)."""
    return {p: p for p in _PREDIKAT_SIASN} if style == "name" else _PREDIKAT_SIASN


def status_map(style: str) -> dict[str, str]:
    """Kedudukan hukum id → ``name`` (Aktif) or ``code`` (01)."""
    return dict(codes.KEDUDUKAN) if style == "name" else {k: k for k in codes.KEDUDUKAN}


def jabatan_level_map(style: str) -> dict[str, str]:
    """Canonical jabatan level → ``name`` (Ahli Muda) or ``siasn`` (MU, IV.a, JFU)."""
    if style == "name":
        return dict(LEVEL_NAMES)
    return {lv.code: lv.siasn for lv in jabatan.LEVELS}


def jabatan_type_map(numeric: bool) -> dict[str, str]:
    """Jabatan type → SIASN jenisJabatan id (1/2/4) or a Title-case word."""
    return dict(_JABATAN_TYPE_IDS) if numeric else {t: t.title() for t in jabatan.TYPES}


def discipline_level_map(style: str) -> dict[str, str]:
    """R/S/B → ``name`` (Ringan/Sedang/Berat) or the code itself."""
    return {k: v.title() for k, v in codes.DISCIPLINE_LEVELS.items()} if style == "name" else {
        k: k for k in codes.DISCIPLINE_LEVELS}


def apply(series: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Map a canonical column to vendor spellings; values outside the mapping pass through unchanged."""
    # A plain dict lookup: Series.map(dict) builds a Series from the dict on every call, which dominated
    # the cost of small sources.
    get = mapping.get
    return pd.Series([get(v, v) for v in series.tolist()], index=series.index, dtype=object)
