"""Harmonization: one source's vendor-shaped rows → canonical silver-shaped rows, driven by its dialect.

* vendor columns are renamed to canonical ones (``dialect.entities[e].columns``); a mapped column that is
  missing fails the source with :class:`SchemaDriftError` naming the columns and the dialect;
* unknown extra columns are kept, as a JSON object per row, in ``extra`` (schema drift is not data loss);
* dates are parsed with the dialect's ``date_format`` (vectorised), codes are normalised with the domain
  ``normalize`` functions (mapped once per distinct value, not per row), NIP/NIK lose their spaces;
* a value that cannot be read becomes null and its raw text goes to ``parse_errors`` (JSON ``{column: raw}``),
  so validation can quarantine the row with the exact value the office must fix.

The output has the columns of ``silver_schema(entity)`` plus ``parse_errors``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from talenta.domain import codes, education, golongan, identifiers, jabatan, predikat, regions
from talenta.domain.schemas import SCHEMAS
from talenta.sources.connectors.base import ROW_REF, parse_timestamps
from talenta.sources.dialects import Dialect
from talenta.sources.errors import SchemaDriftError

PARSE_ERRORS = "parse_errors"

_RELIGION_BY_NAME = {name.upper(): rid for rid, name in codes.RELIGIONS.items()} | {
    "KRISTEN PROTESTAN": "2", "PROTESTAN": "2", "KATOLIK": "3", "BUDDHA": "5", "KONG HU CU": "6",
    "KHONGHUCU": "6",
}


def normalize_religion(raw: object) -> str | None:
    """SIASN agama id for an id or a name (``Islam`` → ``'1'``), else ``None``."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.isdigit():
        return text.lstrip("0") if text.lstrip("0") in codes.RELIGIONS else None
    return _RELIGION_BY_NAME.get(" ".join(text.upper().split()))


def _upper(raw: object) -> str | None:
    return str(raw).strip().upper() or None


def _lower(raw: object) -> str | None:
    return " ".join(str(raw).strip().lower().split()).replace(" ", "_") or None


# Canonical column → normalizer (raw text → canonical code or None). Golongan depends on the row's
# employment type and is handled apart.
NORMALIZERS: dict[str, Callable[[object], str | None]] = {
    "gender": codes.normalize_gender,
    "employment_type": codes.normalize_employment_type,
    "status": codes.normalize_status,
    "religion": normalize_religion,
    "education_level": education.normalize,
    "min_education": education.normalize,
    "jabatan_level": jabatan.normalize_level,
    "jabatan_type": jabatan.normalize_type,
    "hasil_kerja": predikat.normalize_rating,
    "perilaku_kerja": predikat.normalize_rating,
    "predikat": predikat.normalize_predikat,
    "region_code": regions.normalize_code,
    "level": codes.normalize_discipline_level,
    "min_golongan": golongan.normalize,
    "instansi_id": _upper,
    "method": _upper,
    "sector": _lower,
}
_IDENTIFIERS = ("nip", "nik")


def _map_unique(values: pd.Series, fn: Callable[[object], str | None]) -> pd.Series:
    """Apply ``fn`` once per distinct value (vendor code lists are tiny next to the row counts)."""
    uniques = values.dropna().unique()
    table = {u: fn(u) for u in uniques}
    return values.map(table)


def _clean_text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _dates(text: pd.Series, date_format: str) -> pd.Series:
    out = pd.to_datetime(text, format=date_format, errors="coerce")
    missing = out.isna() & text.notna()
    if missing.any():  # a DATETIME column holding dates ("2020-01-31 00:00:00")
        out = out.where(~missing, pd.to_datetime(text.where(missing), format=f"{date_format} %H:%M:%S",
                                                 errors="coerce"))
    return out.dt.normalize()


def _numbers(text: pd.Series) -> pd.Series:
    # Decimal commas (85,5) are common in Indonesian spreadsheets.
    fixed = text.where(~text.str.contains(",", na=False) | text.str.contains(r"\.", na=False),
                       text.str.replace(",", ".", regex=False))
    return pd.to_numeric(fixed, errors="coerce")


def check_columns(columns: list[str], dialect: Dialect, entity: str, *, source_id: str, origin: str) -> None:
    """Raise :class:`SchemaDriftError` when a column the dialect maps is not among ``columns``."""
    mapping = dialect.entities[entity].columns
    missing = [(canon, vendor) for canon, vendor in mapping.items() if vendor not in columns]
    if missing:
        named = ", ".join(f"{vendor!r} (canonical {canon})" for canon, vendor in missing)
        raise SchemaDriftError(
            f"missing column(s) {named} required by dialect {dialect.name}", source_id=source_id, where=origin,
            hint=f"restore the column(s) in the export, or update config/dialects/{dialect.name}.yaml")


def harmonize(table: pa.Table | pd.DataFrame, dialect: Dialect, entity: str, *, source_id: str,
              run_id: str, origin: str = "") -> pd.DataFrame:
    """Canonical silver-shaped rows (plus ``parse_errors``) from one extract of ``entity``."""
    raw = table.to_pandas() if isinstance(table, pa.Table) else table
    vendor_cols = [c for c in raw.columns if c != ROW_REF]
    if not len(raw) and not vendor_cols:
        # An API that returned no records shows no columns: nothing can be missing from nothing.
        raw = pd.DataFrame({c: pd.Series([], dtype="string") for c in
                            [*dialect.entities[entity].columns.values(), ROW_REF]})
        vendor_cols = list(dialect.entities[entity].columns.values())
    check_columns(vendor_cols, dialect, entity, source_id=source_id, origin=origin or f"entity {entity}")
    mapping = dialect.entities[entity].columns
    schema = SCHEMAS[entity]
    n = len(raw)
    out = pd.DataFrame(index=raw.index)
    errors: dict[str, pd.Series] = {}  # canonical column → raw text where it failed to parse

    texts = {canon: _clean_text(raw[vendor]) for canon, vendor in mapping.items()}
    employment = None
    if "employment_type" in texts:
        employment = _map_unique(texts["employment_type"], NORMALIZERS["employment_type"])
    for fld in schema:
        name = fld.name
        if name not in texts:
            out[name] = pd.Series([None] * n, index=raw.index, dtype="object")
            continue
        text = texts[name]
        if pa.types.is_date32(fld.type):
            value = _dates(text, dialect.date_format)
        elif pa.types.is_timestamp(fld.type):
            value = parse_timestamps(text, dialect.date_format)
        elif pa.types.is_integer(fld.type):
            number = _numbers(text)
            whole = number.where(number.isna() | (number == np.floor(number)))
            value = whole.astype("Int64").astype(pd.Int16Dtype()) if whole.notna().any() else whole.astype(
                pd.Int16Dtype())
        elif pa.types.is_floating(fld.type):
            value = _numbers(text).astype("float64")
        elif name in _IDENTIFIERS:
            value = _map_unique(text, _clean_identifier)
        elif name == "golongan":
            value = _golongan(text, employment)
        elif name == "employment_type":
            value = employment
        elif name in NORMALIZERS:
            value = _map_unique(text, NORMALIZERS[name])
        else:
            value = text
        # U+FFFD marks bytes that did not decode: the value is unreadable, whatever it parsed to.
        damaged = text.str.contains("\ufffd", regex=False, na=False)
        if damaged.any():
            value = value.mask(damaged)
        failed = text.notna() & value.isna()
        if failed.any():
            errors[name] = text.where(failed)
        out[name] = value
    out["source_id"] = source_id
    out["source_row_ref"] = raw[ROW_REF].astype("string") if ROW_REF in raw else [f"row={i}" for i in range(1, n + 1)]
    out["run_id"] = run_id
    known = set(mapping.values())
    extra_cols = [c for c in vendor_cols if c not in known]
    out["extra"] = _extra_json(raw[extra_cols]) if extra_cols else None
    out[PARSE_ERRORS] = _errors_json(errors, raw.index)
    return out.reset_index(drop=True)


def _clean_identifier(raw: object) -> str | None:
    # A number a spreadsheet turned into 1.98501E+17 is kept as received so validation can name it.
    if identifiers.looks_mangled(raw):
        return str(raw).strip()
    return identifiers.clean_number(raw) or None


def _golongan(text: pd.Series, employment: pd.Series | None) -> pd.Series:
    kind = employment if employment is not None else pd.Series([None] * len(text), index=text.index)
    pairs = pd.DataFrame({"g": text, "k": kind.astype("object")})
    uniques = pairs.dropna(subset=["g"]).drop_duplicates()
    table = {(g, k): golongan.normalize(g, k if isinstance(k, str) else None)
             for g, k in uniques.itertuples(index=False)}
    return pd.Series([table.get((g, k)) if isinstance(g, str) else None
                      for g, k in pairs.astype("object").itertuples(index=False)], index=text.index, dtype="object")


def _extra_json(frame: pd.DataFrame) -> pd.Series:
    records = frame.astype("object").where(frame.notna(), None).to_dict("records")
    return pd.Series([json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records], index=frame.index)


def _errors_json(errors: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    result = pd.Series([None] * len(index), index=index, dtype="object")
    if not errors:
        return result
    frame = pd.DataFrame(errors, index=index)
    bad = frame.notna().any(axis=1)
    for i, row in frame[bad].iterrows():
        result.at[i] = json.dumps({k: v for k, v in row.items() if isinstance(v, str)}, ensure_ascii=False,
                                  sort_keys=True)
    return result

