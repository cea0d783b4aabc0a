"""Canonical rows → a vendor's columns and spellings (one dialect), before defects and writing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from talenta.domain.schemas import SCHEMAS
from talenta.sources.dialects import Dialect
from talenta.synth import spell

DATE_COLUMNS = {"birth_date", "tmt_golongan", "tmt_jabatan", "tmt_cpns", "assessed_on", "decided_on", "ends_on",
                "opened_on"}
NUMERIC_COLUMNS = {"year", "jpm_pct", "potensi_score", "kompetensi_manajerial", "kompetensi_sosiokultural",
                   "kompetensi_teknis"}


def timestamp_format(dialect: Dialect) -> str:
    """How the vendor writes a timestamp (``updated_at``): its date format plus the time."""
    return dialect.date_format + " %H:%M:%S"


def _maps(dialect: Dialect) -> dict[str, dict[str, str]]:
    sp = dialect.spelling
    gol = spell.golongan_map(sp.get("golongan", "slash"))
    edu = spell.education_map(sp.get("education", "code"))
    lvl = spell.jabatan_level_map(sp.get("jabatan_level", "name"))
    jtype = spell.jabatan_type_map(sp.get("golongan") == "siasn")
    rating = spell.rating_map(sp.get("rating", "text"))
    return {
        "gender": spell.gender_map(sp.get("gender", "letter")), "golongan": gol, "min_golongan": gol,
        "education_level": edu, "min_education": edu, "jabatan_level": lvl, "jabatan_type": jtype,
        "status": spell.status_map(sp.get("status", "code")), "hasil_kerja": rating, "perilaku_kerja": rating,
        "predikat": spell.predikat_map(sp.get("predikat", "name")),
        "level": spell.discipline_level_map("name" if sp.get("status") == "name" else "code"),
    }


def format_dates(values: pd.Series, fmt: str) -> pd.Series:
    """Dates (or timestamps) as the vendor writes them; missing stays ``None``."""
    out = pd.to_datetime(values).dt.strftime(fmt)
    return out.astype(object).where(out.notna(), None)


def render(entity: str, frame: pd.DataFrame, dialect: Dialect) -> pd.DataFrame:
    """The vendor's view of canonical rows: vendor column names, code spellings and date formats.

    Columns come in the dialect's order; numbers stay numbers (JSON and SQL keep their types).
    """
    mapping = dialect.entities[entity]
    maps = _maps(dialect)
    out = {}
    for canonical in SCHEMAS[entity].names:
        vendor = mapping.columns.get(canonical)
        if vendor is None:
            continue
        col = frame[canonical]
        if canonical == "updated_at":
            out[vendor] = format_dates(col, timestamp_format(dialect))
        elif canonical in DATE_COLUMNS:
            out[vendor] = format_dates(col, dialect.date_format)
        elif canonical in NUMERIC_COLUMNS:
            out[vendor] = col.astype(object)
        elif canonical in maps:
            out[vendor] = spell.apply(col.astype(object), maps[canonical])
        else:
            out[vendor] = col.astype(object)
    return pd.DataFrame(out, index=np.arange(len(frame)))
