"""Integer encodings of the scoring inputs: NIP positions and low-cardinality code columns.

At national scale (4.7 M employees, 9 M ratings, 9 M candidate pairs) hashing NIP strings and mapping
string columns row by row dominated the run. Here every NIP is turned into a position in the sorted
employee table once, through its 18-digit integer value when every NIP is a well-formed 18-digit number
(binary search, no string hashing); other inputs (tests, malformed data) take a generic hash lookup with
the same results. Code columns (golongan, status, education, instansi, region) are dictionary-encoded:
a mapping runs on the few distinct values, then is taken by code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NIP_DIGITS = 18


def arrow_strings(values: Any) -> pa.Array | pa.ChunkedArray:
    """The values as Arrow ``large_string`` with nulls kept (zero-copy for pandas' Arrow-backed ``str``)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not isinstance(s.dtype, pd.StringDtype):
        s = s.astype("str")
    arr = pa.array(s)
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary codes (int64, -1 for null) and the distinct values (object array) of a string column."""
    enc = pc.dictionary_encode(arrow_strings(values))
    if isinstance(enc, pa.ChunkedArray):
        # Chunks of one dictionary_encode call share one dictionary.
        dictionary = enc.chunk(0).dictionary if enc.num_chunks else pa.array([], pa.large_string())
        idx = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in enc.chunks]
                             or [np.array([], dtype="int32")])
    else:
        dictionary, idx = enc.dictionary, enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return idx.astype("int64"), np.asarray(dictionary.to_pylist(), dtype=object)


def map_codes(values: Any, mapping: dict | Callable[[Any], Any], *, default: Any = np.nan,
              dtype: str = "float64") -> np.ndarray:
    """``mapping`` applied to each value through its distinct values; ``default`` for nulls and unmapped ones."""
    idx, uniques = codes(values)
    get = mapping.get if isinstance(mapping, dict) else mapping
    mapped = [get(u) for u in uniques]
    table = np.array([default if m is None else m for m in mapped] + [default], dtype=dtype)
    return table[idx]


def nip_keys(values: Any, *, strict: bool) -> np.ndarray | None:
    """Each NIP as its int64 value; -1 for null or malformed ones.

    With ``strict`` returns ``None`` unless every value is an 18-digit number (then keys are a faithful
    encoding: equal keys ⇔ equal NIPs, and key order is string order).
    """
    arr = arrow_strings(values)
    valid = pc.fill_null(pc.and_(pc.equal(pc.utf8_length(arr), NIP_DIGITS), pc.utf8_is_digit(arr)), False)
    all_valid = pc.all(valid).as_py() is not False
    if strict and not all_valid and len(arr):
        return None
    # The usual case (every NIP well formed) casts directly, without a patched copy of the strings.
    keys = pc.cast(arr if all_valid else pc.if_else(valid, arr, pa.scalar("-1", pa.large_string())), pa.int64())
    return np.asarray(keys.to_numpy(), dtype="int64")


def sorted_unique_order(nips: pd.Series) -> np.ndarray:
    """Row positions that keep the last row per NIP, in NIP order (``drop_duplicates(keep='last')`` + sort)."""
    keys = nip_keys(nips, strict=True)
    if keys is None:
        frame = pd.DataFrame({"nip": nips.astype(object).to_numpy(), "row": np.arange(len(nips))})
        frame = frame.drop_duplicates("nip", keep="last").sort_values("nip", kind="stable")
        return frame["row"].to_numpy(dtype="int64")
    order = np.argsort(keys, kind="stable")
    ks = keys[order]
    # A stable sort keeps the original order among equal NIPs, so the last of each run is the last row.
    keep = np.ones(ks.size, dtype=bool)
    keep[:-1] = ks[1:] != ks[:-1]
    return order[keep]


class NipIndex:
    """Positions of NIPs in one employee NIP column (unique values, any order)."""

    def __init__(self, nips: Any):
        self.size = len(nips)
        self._keys = nip_keys(nips, strict=True)
        if self._keys is not None:
            self._order = None if np.all(self._keys[1:] > self._keys[:-1]) else np.argsort(self._keys, kind="stable")
            self._sorted = self._keys if self._order is None else self._keys[self._order]
        else:
            self._index = pd.Index(pd.Series(nips).astype(object).to_numpy())

    def positions(self, values: Any) -> np.ndarray:
        """Position of each value in the employee column (int64), -1 when it is not there."""
        if len(values) == 0:
            return np.array([], dtype="int64")
        if self._keys is None:
            return self._index.get_indexer(pd.Series(values).astype(object).to_numpy()).astype("int64")
        keys = nip_keys(values, strict=False)
        if self._sorted.size == 0:
            return np.full(len(keys), -1, dtype="int64")
        at = np.searchsorted(self._sorted, keys)
        np.minimum(at, self._sorted.size - 1, out=at)
        miss = self._sorted[at] != keys
        miss |= keys < 0
        del keys
        pos = at if self._order is None else self._order[at]
        pos[miss] = -1
        return pos.astype("int64", copy=False)


def take_strings(values: Any, positions: np.ndarray) -> pd.Series:
    """``values[positions]`` as a pandas ``str`` Series, taken in Arrow (no per-row Python objects)."""
    taken = pc.take(arrow_strings(values), pa.array(positions, type=pa.int64()))
    return pd.Series(taken.to_pandas(), dtype="str")


def take_categorical(values: Any, positions: np.ndarray) -> pd.Categorical:
    """``values[positions]`` as a categorical of the distinct values (for few distinct values, many rows)."""
    idx, uniques = codes(values)
    taken = idx[positions]
    code_dtype = "int8" if uniques.size < 127 else "int16" if uniques.size < 32767 else "int32"
    return pd.Categorical.from_codes(taken.astype(code_dtype), pd.Index(uniques, dtype=object))


def aligned(obj: pd.Series | pd.DataFrame, index: pd.Index) -> pd.Series | pd.DataFrame:
    """``obj`` re-indexed to ``index``; without a hash lookup when it already has that index."""
    if obj.index is index:
        return obj
    if len(obj.index) == len(index) and obj.index.equals(index):
        return obj.set_axis(index)
    return obj.reindex(index)
