"""Education levels (SIASN ``tkPendidikanTerakhirId``), their spellings and entry golongan."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EducationLevel:
    """One level: SIASN id, canonical short code, display name, entry golongan (PNS, PPPK), score."""

    siasn_id: str
    code: str
    name: str
    entry_pns: str
    entry_pppk: str
    years: int


LEVELS: tuple[EducationLevel, ...] = (
    EducationLevel("05", "SD", "Sekolah Dasar", "I/a", "I", 6),
    EducationLevel("10", "SLTP", "SLTP", "I/c", "IV", 9),
    EducationLevel("12", "SLTP-K", "SLTP Kejuruan", "I/c", "IV", 9),
    EducationLevel("15", "SLTA", "SLTA", "II/a", "V", 12),
    EducationLevel("17", "SLTA-K", "SLTA Kejuruan", "II/a", "V", 12),
    EducationLevel("18", "SLTA-G", "SLTA Keguruan", "II/a", "V", 12),
    EducationLevel("20", "D1", "Diploma I", "II/a", "V", 13),
    EducationLevel("25", "D2", "Diploma II", "II/b", "VI", 14),
    EducationLevel("30", "D3", "Diploma III / Sarjana Muda", "II/c", "VII", 15),
    EducationLevel("35", "D4", "Diploma IV", "III/a", "IX", 16),
    EducationLevel("40", "S1", "S-1 / Sarjana", "III/a", "IX", 16),
    EducationLevel("42", "PROFESI", "Profesi", "III/a", "IX", 17),
    EducationLevel("45", "S2", "S-2", "III/b", "X", 18),
    EducationLevel("47", "SP1", "Spesialis", "III/b", "X", 19),
    EducationLevel("49", "SP2", "Subspesialis", "III/c", "XI", 20),
    EducationLevel("50", "S3", "S-3 / Doktor", "III/c", "XI", 21),
)
CODES: tuple[str, ...] = tuple(level.code for level in LEVELS)
BY_CODE = {level.code: level for level in LEVELS}
BY_SIASN_ID = {level.siasn_id: level for level in LEVELS}

# Names as regional systems and Dukcapil write them, upper-cased and stripped of punctuation.
_ALIASES: dict[str, str] = {
    "SEKOLAH DASAR": "SD", "SD": "SD",
    "SLTP": "SLTP", "SMP": "SLTP", "SLTP KEJURUAN": "SLTP-K",
    "SLTA": "SLTA", "SMA": "SLTA", "SMU": "SLTA", "SLTA KEJURUAN": "SLTA-K", "SMK": "SLTA-K",
    "SLTA KEGURUAN": "SLTA-G", "SPG": "SLTA-G",
    "DIPLOMA I": "D1", "D I": "D1", "D1": "D1", "DI": "D1",
    "DIPLOMA II": "D2", "D II": "D2", "D2": "D2", "DII": "D2",
    "DIPLOMA III": "D3", "DIPLOMA III SARJANA MUDA": "D3", "SARJANA MUDA": "D3", "D III": "D3", "D3": "D3",
    "DIII": "D3", "AKADEMI DIPLOMA III SARJANA MUDA": "D3",
    "DIPLOMA IV": "D4", "D IV": "D4", "D4": "D4", "DIV": "D4",
    "S1": "S1", "S 1": "S1", "S 1 SARJANA": "S1", "S1 SARJANA": "S1", "SARJANA": "S1", "STRATA I": "S1",
    "DIPLOMA IV STRATA I": "S1",
    "PROFESI": "PROFESI",
    "S2": "S2", "S 2": "S2", "MAGISTER": "S2", "STRATA II": "S2", "PASCASARJANA": "S2",
    "SPESIALIS": "SP1", "SP1": "SP1", "SUBSPESIALIS": "SP2", "SP2": "SP2",
    "S3": "S3", "S 3": "S3", "S 3 DOKTOR": "S3", "DOKTOR": "S3", "STRATA III": "S3", "S3 DOKTOR": "S3",
}
_PUNCT = re.compile(r"[^A-Z0-9 ]+")


def normalize(raw: object) -> str | None:
    """Canonical education code for a SIASN id, a code or a name; ``None`` when unknown."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text or text.lower() in {"nan", "none", "null", "-"}:
        return None
    if text.isdigit():
        level = BY_SIASN_ID.get(text.zfill(2))
        return level.code if level else None
    if text.upper() in BY_CODE:  # canonical codes with a hyphen (SLTA-K) lose it in the key below
        return text.upper()
    key = " ".join(_PUNCT.sub(" ", text.upper()).split())
    if key in BY_CODE:
        return key
    return _ALIASES.get(key)


def entry_golongan(code: str, employment_type: str) -> str:
    """The golongan a new appointee with this education starts at."""
    level = BY_CODE[code]
    return level.entry_pns if employment_type == "PNS" else level.entry_pppk
