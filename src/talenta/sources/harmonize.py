"""Harmonization: one source's vendor-shaped rows → canonical silver-shaped rows, driven by its dialect.

* vendor columns are renamed to canonical ones (``dialect.entities[e].columns``). A missing *required*
  column (:func:`required_columns`: the entity's key and the validation suite's mandatory fields) fails the
  entity with :class:`SchemaDriftError` naming the column and the dialect; any other missing column is
  filled with nulls and reported as a warning (:func:`check_columns`);
* unknown extra columns are kept, as a JSON object per row, in ``extra`` (schema drift is not data loss);
* dates are parsed with the dialect's ``date_format``, codes are normalised with the domain ``normalize``
  functions, NIP/NIK lose their spaces;
* a value that cannot be read becomes null and its raw text goes to ``parse_errors`` (JSON ``{column: raw}``),
  so validation can quarantine the row with the exact value the office must fix.

Speed: a nation is millions of rows, so the work is column-wise on Arrow. Every parse or code lookup runs
once per *distinct* value (``dictionary_encode``, then ``take``): vendor code lists, dates and scores repeat
a lot. Per-row Python only runs for the few rows that need a JSON document (``parse_errors``, ``extra``).

The output has the columns of ``silver_schema(entity)`` plus ``parse_errors``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from talenta.domain import codes, education, golongan, identifiers, jabatan, predikat, regions
from talenta.domain.schemas import KEYS, SCHEMAS
from talenta.sources.connectors.base import ROW_REF, parse_timestamps
from talenta.sources.dialects import Dialect
from talenta.sources.errors import SchemaDriftError

PARSE_ERRORS = "parse_errors"
# The validation rule whose not-null expectations name an entity's mandatory fields.
MANDATORY_RULE = "mandatory_fields"
# U+FFFD marks bytes that did not decode: such a value is unreadable, whatever it would parse to. C1 control
# characters (U+0080-U+009F) are what stray bytes 0x80-0x9F become in a Latin-1 file (every byte decodes
# there): no real text contains them, so they are damage too.
_DAMAGED = "[\ufffd\u0080-\u009f]"
_NULL_TEXT = pa.scalar(None, pa.string())


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
    "religion": codes.normalize_religion,
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


def required_columns(entity: str) -> tuple[str, ...]:
    """Canonical columns every source must deliver for ``entity``: its key and its mandatory fields.

    The mandatory fields are read from the entity's validation suite (the ``mandatory_fields`` rule), so the
    list lives in one place: a column validation would reject every row without is required here too.
    """
    from talenta.validate.rules import load_suite

    mandatory = [exp["kwargs"]["column"] for exp in load_suite(entity).expectations
                 if (exp.get("meta") or {}).get("rule") == MANDATORY_RULE]
    return tuple(dict.fromkeys([*KEYS[entity], *mandatory]))


def check_columns(columns: list[str], dialect: Dialect, entity: str, *, source_id: str, origin: str) -> list[str]:
    """Compare received ``columns`` with the dialect's mapping of ``entity``.

    Raises :class:`SchemaDriftError` when a required column (:func:`required_columns`) is missing; returns one
    warning sentence per missing optional column (harmonization fills those with nulls).
    """
    mapping = dialect.entities[entity].columns
    present = set(columns)
    missing = [(canon, vendor) for canon, vendor in mapping.items() if vendor not in present]
    if not missing:
        return []
    required = set(required_columns(entity))
    fatal = [(canon, vendor) for canon, vendor in missing if canon in required]
    if fatal:
        named = ", ".join(f"{vendor!r} (canonical {canon})" for canon, vendor in fatal)
        raise SchemaDriftError(
            f"missing required column(s) {named} of dialect {dialect.name}", source_id=source_id, where=origin,
            hint=f"restore the column(s) in the export, or update config/dialects/{dialect.name}.yaml")
    return [f"{origin}: column {vendor!r} (canonical {canon}) of dialect {dialect.name} is missing; "
            f"{canon} is left empty for every row" for canon, vendor in missing]


def _as_table(table: pa.Table | pd.DataFrame) -> pa.Table:
    if isinstance(table, pa.Table):
        return table
    return pa.Table.from_pandas(table, preserve_index=False)


def _text(table: pa.Table, name: str) -> pa.Array:
    """A received column as one string array, trimmed, empty text as null."""
    col = table.column(name)
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), _NULL_TEXT, arr)


def _per_distinct(text: pa.Array, parse: Callable[[pa.Array], pa.Array]) -> tuple[pa.Array, pa.Array]:
    """``parse`` applied once per distinct value of ``text``; returns (values, failed) for every row.

    ``parse`` gets the distinct non-null texts and returns their values (null = unreadable). A value is
    failed when the text is present but unreadable or damaged.
    """
    enc = pc.dictionary_encode(text)
    distinct = enc.dictionary
    values = parse(distinct)
    damaged = pc.match_substring_regex(distinct, _DAMAGED)
    values = pc.if_else(damaged, pa.scalar(None, values.type), values)
    failed = pc.is_null(values)
    return values.take(enc.indices), pc.fill_null(failed.take(enc.indices), False)


def _plain(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Free text (names, units): kept as received unless damaged."""
    damaged = pc.fill_null(pc.match_substring_regex(text, _DAMAGED), False)
    return pc.if_else(damaged, _NULL_TEXT, text), damaged


def _python(fn: Callable[[object], object], typ: pa.DataType) -> Callable[[pa.Array], pa.Array]:
    return lambda distinct: pa.array([fn(v) for v in distinct.to_pylist()], type=typ)


def _series(distinct: pa.Array) -> pd.Series:
    return pd.Series(distinct.to_pylist(), dtype=object)


def _dates(date_format: str) -> Callable[[pa.Array], pa.Array]:
    def parse(distinct: pa.Array) -> pa.Array:
        text = _series(distinct)
        out = pd.to_datetime(text, format=date_format, errors="coerce")
        missing = out.isna()
        if missing.any():  # a DATETIME column holding dates ("2020-01-31 00:00:00")
            out = out.where(~missing, pd.to_datetime(text.where(missing), format=f"{date_format} %H:%M:%S",
                                                     errors="coerce"))
        return pc.cast(pa.array(out.dt.normalize(), from_pandas=True), pa.date32())

    return parse


def _timestamps(date_format: str, typ: pa.DataType) -> Callable[[pa.Array], pa.Array]:
    def parse(distinct: pa.Array) -> pa.Array:
        out = parse_timestamps(_series(distinct), date_format)
        if getattr(out.dt, "tz", None) is not None:  # ISO text with an offset: stored as UTC
            out = out.dt.tz_convert(None)
        return pc.cast(pa.array(out, from_pandas=True), typ)

    return parse


def _numbers(text: pd.Series) -> pd.Series:
    # Decimal commas (85,5) are common in Indonesian spreadsheets.
    text = text.astype("string")
    fixed = text.where(~text.str.contains(",", na=False) | text.str.contains(r"\.", na=False),
                       text.str.replace(",", ".", regex=False))
    return pd.to_numeric(fixed, errors="coerce").astype("float64")


def _integers(typ: pa.DataType) -> Callable[[pa.Array], pa.Array]:
    info = np.iinfo(typ.to_pandas_dtype())

    def parse(distinct: pa.Array) -> pa.Array:
        number = _numbers(_series(distinct))
        whole = number.where((number == np.floor(number)) & (number >= info.min) & (number <= info.max))
        return pa.array(whole.astype("Int64"), from_pandas=True).cast(typ)

    return parse


def _floats(distinct: pa.Array) -> pa.Array:
    return pa.array(_numbers(_series(distinct)), type=pa.float64(), from_pandas=True)


def _clean_identifier(raw: object) -> str | None:
    # A number a spreadsheet turned into 1.98501E+17 is kept as received so validation can name it.
    if identifiers.looks_mangled(raw):
        return str(raw).strip()
    return identifiers.clean_number(raw) or None


def _identifiers(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """NIP/NIK without separators, vectorised (nearly every value is distinct)."""
    if not pc.all(pc.fill_null(pc.string_is_ascii(text), True)).as_py():
        # Unicode whitespace: Arrow's regex \s is ASCII-only, Python's is not; take the exact path.
        return _per_distinct(text, _python(_clean_identifier, pa.string()))
    mangled = pc.fill_null(pc.match_substring_regex(text, identifiers.MANGLED_PATTERN), False)
    cleaned = pc.replace_substring_regex(text, identifiers.SEPARATORS_PATTERN, "")
    value = pc.if_else(mangled, text, cleaned)
    value = pc.if_else(pc.equal(value, ""), _NULL_TEXT, value)
    failed = pc.and_(pc.is_valid(text), pc.is_null(value))
    return value, failed


def _golongan(text: pa.Array, employment: pa.Array | None) -> tuple[pa.Array, pa.Array]:
    """Golongan per distinct (text, employment type) pair: PPPK ``IX`` and PNS ``33`` read differently."""
    kind = employment if employment is not None else pa.nulls(len(text), pa.string())
    pairs = pc.binary_join_element_wise(text, pc.fill_null(kind, ""), "\x1f")

    def parse(distinct: pa.Array) -> pa.Array:
        out = []
        for pair in distinct.to_pylist():
            raw, _, k = pair.rpartition("\x1f")
            out.append(golongan.normalize(raw, k or None))
        return pa.array(out, type=pa.string())

    return _per_distinct(pairs, parse)


def harmonize(table: pa.Table | pd.DataFrame, dialect: Dialect, entity: str, *, source_id: str,
              run_id: str, origin: str = "", warnings: list[str] | None = None) -> pd.DataFrame:
    """Canonical silver-shaped rows (plus ``parse_errors``) from one extract of ``entity``.

    Missing optional columns are filled with nulls and described in ``warnings`` (when a list is given).
    """
    raw = _as_table(table)
    mapping = dialect.entities[entity].columns
    vendor_cols = [c for c in raw.column_names if c != ROW_REF]
    n = raw.num_rows
    if not n and not vendor_cols:
        # An API that returned no records shows no columns: nothing can be missing from nothing.
        vendor_cols = list(mapping.values())
        raw = pa.table({c: pa.array([], pa.string()) for c in [*vendor_cols, ROW_REF]})
    found = check_columns(vendor_cols, dialect, entity, source_id=source_id, origin=origin or f"entity {entity}")
    if warnings is not None:
        warnings.extend(found)
    present = set(vendor_cols)
    schema = SCHEMAS[entity]
    texts = {canon: _text(raw, vendor) for canon, vendor in mapping.items() if vendor in present}
    employment = None
    if "employment_type" in texts:
        employment, _ = _per_distinct(texts["employment_type"],
                                      _python(NORMALIZERS["employment_type"], pa.string()))

    columns: dict[str, pa.Array] = {}
    failures: dict[str, pa.Array] = {}  # canonical column → failed mask
    for fld in schema:
        name, typ = fld.name, fld.type
        if name not in texts:
            columns[name] = pa.nulls(n, typ)
            continue
        text = texts[name]
        if pa.types.is_date32(typ):
            value, failed = _per_distinct(text, _dates(dialect.date_format))
        elif pa.types.is_timestamp(typ):
            value, failed = _per_distinct(text, _timestamps(dialect.date_format, typ))
        elif pa.types.is_integer(typ):
            value, failed = _per_distinct(text, _integers(typ))
        elif pa.types.is_floating(typ):
            value, failed = _per_distinct(text, _floats)
        elif name in _IDENTIFIERS:
            value, failed = _identifiers(text)
        elif name == "golongan":
            value, failed = _golongan(text, employment)
        elif name in NORMALIZERS:
            value, failed = _per_distinct(text, _python(NORMALIZERS[name], pa.string()))
        else:
            value, failed = _plain(text)
        columns[name] = value
        if pc.any(failed).as_py():
            failures[name] = failed

    columns["source_id"] = pa.repeat(pa.scalar(source_id, pa.string()), n)
    if ROW_REF in raw.column_names:
        refs = raw.column(ROW_REF)
        columns["source_row_ref"] = pc.cast(refs.combine_chunks() if isinstance(refs, pa.ChunkedArray) else refs,
                                            pa.string())
    else:
        numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
        columns["source_row_ref"] = pc.binary_join_element_wise(pa.repeat(pa.scalar("row="), n), numbers, "")
    columns["run_id"] = pa.repeat(pa.scalar(run_id, pa.string()), n)
    known = set(mapping.values())
    extra_cols = [c for c in vendor_cols if c not in known]
    columns["extra"] = _extra_json(raw, extra_cols) if extra_cols else pa.nulls(n, pa.string())
    columns[PARSE_ERRORS] = _errors_json(failures, texts, n)
    out = pa.table(columns)
    return out.to_pandas(date_as_object=False, types_mapper=_PANDAS_TYPES.get)


# Nullable pandas types for Arrow integers (a plain numpy int column cannot hold a missing year).
_PANDAS_TYPES = {pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}


def _extra_json(raw: pa.Table, extra_cols: list[str]) -> pa.Array:
    """One JSON object per row of the unknown vendor columns (only when the source drifted).

    The text ``json.dumps(..., ensure_ascii=False, sort_keys=True)`` gives, built column-wise with Arrow
    string kernels (a per-row ``json.dumps`` was 40 % of harmonizing a legacy SQL source). Values with a
    control character other than tab, newline and carriage return take the per-row path.
    """
    texts = {c: _as_text(raw.column(c)) for c in extra_cols}
    if any(pc.any(pc.match_substring_regex(t, _OTHER_CONTROL)).as_py() for t in texts.values()):
        return _extra_json_rows(texts)
    pieces: list[pa.Array] = []
    for i, c in enumerate(sorted(extra_cols)):
        t = texts[c]
        for plain, escaped in _JSON_ESCAPES:
            t = pc.replace_substring(t, plain, escaped)
        quoted = pc.binary_join_element_wise('"', t, '"', "")
        value = pc.fill_null(quoted, "null")
        key = ("{" if i == 0 else ", ") + json.dumps(c, ensure_ascii=False) + ": "
        pieces.append(pc.binary_join_element_wise(key, value, ""))
    pieces.append(pa.array(["}"] * len(raw), pa.string()))
    return pc.binary_join_element_wise(*pieces, "")


# What json.dumps escapes inside a string (backslash first); other control characters go per row.
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f]"


def _as_text(column: pa.ChunkedArray) -> pa.Array:
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return column if column.type == pa.string() else column.cast(pa.string())


def _extra_json_rows(texts: dict[str, pa.Array]) -> pa.Array:
    cols = list(texts)
    values = [texts[c].to_pylist() for c in cols]
    docs = [json.dumps(dict(zip(cols, row, strict=True)), ensure_ascii=False, sort_keys=True)
            for row in zip(*values, strict=True)]
    return pa.array(docs, type=pa.string())


def _errors_json(failures: dict[str, pa.Array], texts: dict[str, pa.Array], n: int) -> pa.Array:
    """``{column: raw text}`` JSON for the rows with an unreadable value, null for every other row."""
    if not failures:
        return pa.nulls(n, pa.string())
    masks = {name: failed.to_numpy(zero_copy_only=False) for name, failed in failures.items()}
    rows = np.flatnonzero(np.logical_or.reduce(list(masks.values())))
    docs: list[str | None] = [None] * n
    raw_at = {name: texts[name].take(pa.array(rows)).to_pylist() for name in masks}
    for i, row in enumerate(rows):
        doc = {name: raw_at[name][i] for name in masks if masks[name][row]}
        docs[row] = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    return pa.array(docs, type=pa.string())
