"""SKP performance: ratings of hasil kerja and perilaku kerja, and the predikat matrix (PermenPANRB 6/2022).

Ratings are canonical ``'DI_ATAS'``, ``'SESUAI'``, ``'DI_BAWAH'``; predikat are the five official names.
"""

from __future__ import annotations

RATINGS = ("DI_ATAS", "SESUAI", "DI_BAWAH")
PREDIKAT = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")

# (hasil kerja, perilaku kerja) → predikat, domain.md §1.4.
MATRIX: dict[tuple[str, str], str] = {
    ("DI_ATAS", "DI_ATAS"): "Sangat Baik",
    ("DI_ATAS", "SESUAI"): "Baik",
    ("DI_ATAS", "DI_BAWAH"): "Kurang",
    ("SESUAI", "DI_ATAS"): "Baik",
    ("SESUAI", "SESUAI"): "Baik",
    ("SESUAI", "DI_BAWAH"): "Kurang",
    ("DI_BAWAH", "DI_ATAS"): "Butuh Perbaikan",
    ("DI_BAWAH", "SESUAI"): "Butuh Perbaikan",
    ("DI_BAWAH", "DI_BAWAH"): "Sangat Kurang",
}

_RATING_ALIASES = {
    "1": "DI_ATAS", "DI ATAS": "DI_ATAS", "DIATAS": "DI_ATAS", "DI ATAS EKSPEKTASI": "DI_ATAS",
    "DIATAS EKSPEKTASI": "DI_ATAS", "DIATAS ESPEKTASI": "DI_ATAS", "DI_ATAS": "DI_ATAS",
    "2": "SESUAI", "SESUAI": "SESUAI", "SESUAI EKSPEKTASI": "SESUAI", "SESUAI ESPEKTASI": "SESUAI",
    "3": "DI_BAWAH", "DI BAWAH": "DI_BAWAH", "DIBAWAH": "DI_BAWAH", "DI BAWAH EKSPEKTASI": "DI_BAWAH",
    "DIBAWAH EKSPEKTASI": "DI_BAWAH", "DIBAWAH ESPEKTASI": "DI_BAWAH", "DI_BAWAH": "DI_BAWAH",
}
_PREDIKAT_ALIASES = {p.upper(): p for p in PREDIKAT} | {
    "1": "Sangat Baik", "2": "Baik", "3": "Butuh Perbaikan", "4": "Kurang", "5": "Sangat Kurang",
    "KURANG (MISCONDUCT)": "Kurang", "MISCONDUCT": "Kurang", "KURANG/MISCONDUCT": "Kurang",
}


def normalize_rating(raw: object) -> str | None:
    """Canonical rating for SIASN ids (1/2/3) and the spellings in use, else ``None``."""
    if raw is None:
        return None
    return _RATING_ALIASES.get(" ".join(str(raw).strip().upper().replace("_", " ").split()))


def normalize_predikat(raw: object) -> str | None:
    """Canonical predikat name for SIASN ids (1..5) and spellings, else ``None``."""
    if raw is None:
        return None
    return _PREDIKAT_ALIASES.get(" ".join(str(raw).strip().upper().split()))


def predikat_for(hasil_kerja: str, perilaku_kerja: str) -> str:
    """The predikat the matrix gives for a pair of canonical ratings."""
    return MATRIX[(hasil_kerja, perilaku_kerja)]
