"""NIP (PNS), NI PPPK and NIK: cleaning, parsing and validation that explains what is wrong.

NIP = birth date ``YYYYMMDD`` + CPNS TMT ``YYYYMM`` + gender digit (1 = L, 2 = P) + sequence ``NNN``.
NI PPPK has the same length, with the appointment year and a 2-digit code ≥ 13 (``21`` penuh waktu,
``24`` paruh waktu) where a PNS NIP has its month. NIK = kecamatan code (6) + ``DDMMYY`` (day + 40 for
women) + sequence (4). See domain.md §2.1–2.3.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_MANGLED = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")
# Public so vectorised checks (pandas str.fullmatch) use the very same pattern as looks_mangled().
MANGLED_PATTERN = _MANGLED.pattern
_SEPARATORS = re.compile(r"[\s.\-']")
# Public for vectorised cleaning (Arrow regex) with the very same separators as clean_number().
SEPARATORS_PATTERN = _SEPARATORS.pattern


def clean_number(raw: object) -> str:
    """Digits of an identifier as typed: spaces, dots, dashes and a leading apostrophe removed."""
    if raw is None:
        return ""
    return _SEPARATORS.sub("", str(raw).strip())


def looks_mangled(raw: object) -> bool:
    """True for a number a spreadsheet turned into scientific notation (``1.98501E+17``)."""
    return bool(raw is not None and _MANGLED.match(str(raw).strip()))


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class NipInfo:
    """What an 18-digit NIP says, plus every problem found (empty ``problems`` = valid)."""

    raw: str
    nip: str
    employment_type: str | None = None
    birth_date: dt.date | None = None
    tmt_year: int | None = None
    tmt_month: int | None = None
    gender: str | None = None
    sequence: int | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def parse_nip(raw: object) -> NipInfo:
    """Parse a NIP or NI PPPK; problems are sentences a regional office can act on."""
    text = "" if raw is None else str(raw).strip()
    if looks_mangled(text):
        return NipInfo(text, "", problems=(
            f"NIP looks like a number mangled by a spreadsheet: {text}; export the column as text",))
    digits = clean_number(text)
    if not digits:
        return NipInfo(text, "", problems=("NIP is missing",))
    if not digits.isdigit():
        return NipInfo(text, digits, problems=(f"NIP {text!r} contains characters other than digits",))
    if len(digits) != 18:
        return NipInfo(text, digits, problems=(f"NIP {digits} has {len(digits)} digits, expected 18",))
    problems: list[str] = []
    y, m, d = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    birth = _date(y, m, d)
    if birth is None:
        problems.append(f"birth date {y:04d}-{m:02d}-{d:02d} in NIP is not a date")
    tmt_year, code = int(digits[8:12]), int(digits[12:14])
    employment_type = "PNS" if 1 <= code <= 12 else "PPPK" if code >= 13 else None
    if employment_type is None:
        problems.append(f"month {code:02d} of the CPNS TMT in NIP is not a month (PNS: 01-12, PPPK: 13+)")
    gender_digit = digits[14]
    gender = {"1": "L", "2": "P"}.get(gender_digit)
    if gender is None:
        problems.append(f"gender digit {gender_digit} in NIP must be 1 (L) or 2 (P)")
    sequence = int(digits[15:18])
    if sequence == 0:
        problems.append("sequence 000 in NIP is not issued (001-999)")
    if birth is not None and not 1900 <= tmt_year <= 2100:
        problems.append(f"appointment year {tmt_year} in NIP is not plausible")
    return NipInfo(
        raw=text, nip=digits, employment_type=employment_type, birth_date=birth, tmt_year=tmt_year,
        tmt_month=code if employment_type == "PNS" else None, gender=gender, sequence=sequence,
        problems=tuple(problems),
    )


def make_nip(birth: dt.date, tmt_year: int, tmt_month_or_code: int, gender: str, sequence: int) -> str:
    """Build a NIP (PNS: month 1-12) or NI PPPK (code ≥ 13) from its parts."""
    return (f"{birth:%Y%m%d}{tmt_year:04d}{tmt_month_or_code:02d}"
            f"{1 if gender == 'L' else 2}{sequence:03d}")


@dataclass(frozen=True)
class NikInfo:
    """What a 16-digit NIK says, plus every problem found."""

    raw: str
    nik: str
    region_code: str | None = None
    birth_date: dt.date | None = None
    gender: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def parse_nik(raw: object, *, today: dt.date | None = None) -> NikInfo:
    """Parse a NIK: kecamatan code, birth date (women's day + 40) and gender."""
    text = "" if raw is None else str(raw).strip()
    if looks_mangled(text):
        return NikInfo(text, "", problems=(
            f"NIK looks like a number mangled by a spreadsheet: {text}; export the column as text",))
    digits = clean_number(text)
    if not digits:
        return NikInfo(text, "", problems=("NIK is missing",))
    if not digits.isdigit() or len(digits) != 16:
        return NikInfo(text, digits, problems=(f"NIK {digits} must be 16 digits",))
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    gender = "P" if day > 40 else "L"
    if day > 40:
        day -= 40
    today = today or dt.date.today()
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    birth = _date(year, month, day)
    problems = () if birth else (f"birth date {day:02d}-{month:02d}-{yy:02d} in NIK is not a date",)
    return NikInfo(text, digits, digits[:4], birth, gender, problems)


def make_nik(kecamatan6: str, birth: dt.date, gender: str, sequence: int) -> str:
    """Build a NIK from a 6-digit kecamatan code, birth date, gender and sequence."""
    day = birth.day + (40 if gender == "P" else 0)
    return f"{kecamatan6}{day:02d}{birth:%m%y}{sequence:04d}"
