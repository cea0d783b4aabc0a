"""Column-wise text for quarantine rows: values as a reason quotes them, and rows as JSON records.

Quarantine can hold hundreds of thousands of rows nationally, so values are rendered per column with
vectorised string operations; only rare values (odd characters, mixed object columns) fall back to Python.
The output matches ``repr``/``json.dumps`` of the single value, so a reason or record reads the same
whichever path produced it.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

EMPTY = "(empty)"
# Characters repr()/json.dumps() escape or quote differently: such strings take the exact Python path.
_ODD = r"['\"\\]|\p{C}|[\p{Zl}\p{Zp}]|[^ \P{Zs}]"
_JSON_ODD = r"[\x00-\x1f]"


def show(value: Any) -> str:
    """One value as a reason quotes it: strings quoted, dates ISO, missing as ``(empty)``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return EMPTY
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def jsonable(value: Any) -> Any:
    """A value as ``json.dumps`` can write it (missing → None, dates ISO, numpy scalars → Python)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def dumps(value: Any) -> str:
    """JSON of one value, as the record writer spells it."""
    return json.dumps(jsonable(value), ensure_ascii=False, default=str)


def _kind(values: pd.Series) -> str:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return "string"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    return {"string": "string", "date": "date", "empty": "empty"}.get(inferred, "object")


def join(pieces: list[Any], n: int) -> np.ndarray:
    """Row-wise concatenation of text pieces (plain strings or arrays of ``n`` strings), in one Arrow pass."""
    if not n:
        return np.empty(0, dtype=object)
    arrays = [pa.scalar(p, pa.string()) if isinstance(p, str) else pa.array(p, type=pa.string()) for p in pieces]
    if all(isinstance(a, pa.Scalar) for a in arrays):
        arrays[0] = pa.array([pieces[0]] * n, type=pa.string())
    return np.asarray(pc.binary_join_element_wise(*arrays, "").to_numpy(zero_copy_only=False), dtype=object)


def _arrow_text(values: pd.Series) -> pa.Array:
    arr = pa.array(values.astype("string").array)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.string())


def _strings(values: pd.Series, quote: str, exact, odd: str) -> pa.Array:
    """Quoted text; values with characters ``exact`` spells differently take ``exact`` per value."""
    text = _arrow_text(values)
    if quote == '"':
        text = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    out = pc.binary_join_element_wise(quote, text, quote, "")
    flagged = pc.fill_null(pc.match_substring_regex(_arrow_text(values), odd), False).to_numpy(zero_copy_only=False)
    if flagged.any():
        fixed = out.to_numpy(zero_copy_only=False).astype(object)
        fixed[flagged] = values[flagged].map(exact).to_numpy(dtype=object)
        out = pa.array(fixed, type=pa.string())
    return out


def show_column(values: pd.Series) -> np.ndarray:
    """:func:`show` of every value of a column, vectorised by dtype."""
    kind = _kind(values)
    notna = values.notna().to_numpy(dtype=bool)
    out = np.full(len(values), EMPTY, dtype=object)
    if not notna.any():
        return out
    present = values[notna]
    if kind == "string":
        text = _strings(present, "'", repr, _ODD).to_numpy(zero_copy_only=False)
    elif kind in ("date", "datetime"):
        text = pd.to_datetime(present).dt.strftime("%Y-%m-%d")
    elif kind in ("int", "float", "bool"):
        text = present.astype(object).map(str) if kind == "bool" else present.astype(str)
    else:
        text = present.map(show)
    out[notna] = np.asarray(text, dtype=object)
    return out


def json_column(values: pd.Series) -> np.ndarray:
    """:func:`dumps` of every value of a column, vectorised by dtype."""
    kind = _kind(values)
    notna = values.notna().to_numpy(dtype=bool)
    out = np.full(len(values), "null", dtype=object)
    if not notna.any():
        return out
    present = values[notna]
    if kind == "string":
        text = _strings(present, '"', dumps, _JSON_ODD).to_numpy(zero_copy_only=False)
    elif kind == "date":
        text = '"' + pd.to_datetime(present).dt.strftime("%Y-%m-%d") + '"'
    elif kind == "int":
        text = present.astype(str)
    elif kind == "bool":
        text = present.map(lambda v: "true" if v else "false")
    elif kind == "float" and np.isfinite(present.to_numpy(dtype=float)).all():
        text = present.astype(str)
    elif kind == "datetime" and getattr(present.dt, "tz", None) is None \
            and not (present.dt.microsecond.any() or present.dt.nanosecond.any()):
        text = '"' + present.dt.strftime("%Y-%m-%dT%H:%M:%S") + '"'
    else:  # datetimes with sub-seconds, infinities, mixed objects: exact per value
        text = present.map(dumps)
    out[notna] = np.asarray(text, dtype=object)
    return out


def records_json(frame: pd.DataFrame) -> np.ndarray:
    """Each row of ``frame`` as a JSON object text (keys in column order), as ``json.dumps`` writes it."""
    pieces: list[Any] = []
    for i, column in enumerate(frame.columns):
        pieces.append(("{" if i == 0 else ", ") + json.dumps(str(column), ensure_ascii=False) + ": ")
        pieces.append(json_column(frame[column]))
    pieces.append("}")
    return join(pieces, len(frame))
