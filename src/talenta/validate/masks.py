"""Row masks of the suite's expectations, vectorised over the batch frame GX validates.

Great Expectations counts how many rows fail each expectation, but asking it *which* rows (result format
``COMPLETE``) builds a Python dict per failing row and copies the whole frame per expectation: minutes at
national scale. So each expectation's failure mask is computed here with the very predicate GX's pandas
engine applies (same frame, same null filtering, same ``isin``/comparison/regex), and
:func:`talenta.validate.engine.run_suite` checks every mask's count against GX's ``unexpected_count``: a
disagreement stops the run, so GX stays the authority and the masks only say where its failures are.

Pure pandas/numpy: no GX import.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from talenta.validate.rules import Suite, SuiteError

# The expectation types the suites may use: each has an exact vectorised twin below.
SUPPORTED = frozenset({
    "expect_column_values_to_be_null", "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
})
# Kwargs that change which rows fail; a suite using them would need their twin here first.
_UNSUPPORTED_KWARGS = ("mostly", "row_condition", "condition_parser", "parse_strings_as_datetimes")
_BETWEEN = "expect_column_values_to_be_between"


def resolve(value: Any, parameters: dict[str, Any]) -> Any:
    """A kwarg with ``{"$PARAMETER": name}`` replaced by its value (as GX does)."""
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters[value["$PARAMETER"]]
    return value


def check_supported(suite: Suite) -> None:
    """Refuse a suite whose expectations have no vectorised twin (the message names the expectation)."""
    for i, exp in enumerate(suite.expectations):
        bad = [k for k in _UNSUPPORTED_KWARGS if k in exp["kwargs"]]
        if exp["type"] not in SUPPORTED or bad:
            raise SuiteError(
                f"suite {suite.path}, expectation #{i} ({exp['type']}{', kwargs ' + str(bad) if bad else ''}): "
                f"not supported by the fast row masks; use one of {sorted(SUPPORTED)} without "
                f"{list(_UNSUPPORTED_KWARGS)}, or add its twin to talenta.validate.masks")


def gx_frame(suite: Suite, prepared: pd.DataFrame) -> pd.DataFrame:
    """The narrow frame GX validates: only the columns the suite reads.

    GX's pandas engine copies its whole frame once or twice per expectation (null filtering), so every
    column not read costs time. Columns checked with ``between`` are cast to float64: GX compares numpy
    ``int``/``float`` columns vectorised but nullable ``Int64``/``int16`` ones value by value in Python.
    """
    check_supported(suite)
    columns = list(dict.fromkeys(exp["kwargs"]["column"] for exp in suite.expectations))
    missing = [c for c in columns if c not in prepared]
    if missing:
        raise SuiteError(f"suite {suite.path} reads columns {missing} that the prepared batch lacks; "
                         "add them to talenta.validate.prepare or fix the suite")
    between = {exp["kwargs"]["column"] for exp in suite.expectations if exp["type"] == _BETWEEN}
    out = {}
    for column in columns:
        values = prepared[column]
        if column in between and pd.api.types.is_numeric_dtype(values.dtype) \
                and not pd.api.types.is_bool_dtype(values.dtype):
            values = values.astype("float64")
        out[column] = values
    return pd.DataFrame(out, index=pd.RangeIndex(len(prepared)))


def expectation_mask(exp: dict[str, Any], frame: pd.DataFrame, parameters: dict[str, Any]) -> np.ndarray:
    """Boolean array: ``True`` where the row is unexpected for ``exp`` (GX's pandas semantics)."""
    kwargs = {k: resolve(v, parameters) for k, v in exp["kwargs"].items()}
    column = frame[kwargs["column"]]
    notnull = column.notna().to_numpy(dtype=bool)
    kind = exp["type"]
    if kind == "expect_column_values_to_be_null":
        return notnull
    if kind == "expect_column_values_to_not_be_null":
        return ~notnull
    values = column[notnull]
    if kind == "expect_column_values_to_be_in_set":
        ok = values.isin(kwargs["value_set"])
    elif kind == "expect_column_values_to_not_be_in_set":
        ok = ~values.isin(kwargs["value_set"])
    elif kind == _BETWEEN:
        ok = _between(values, kwargs.get("min_value"), kwargs.get("max_value"),
                      bool(kwargs.get("strict_min")), bool(kwargs.get("strict_max")))
    else:  # expect_column_values_to_match_regex
        ok = values.astype(str).str.contains(kwargs["regex"])
    out = np.zeros(len(frame), dtype=bool)
    out[notnull] = ~np.asarray(pd.Series(ok).fillna(False), dtype=bool)
    return out


def _between(values: pd.Series, lo: Any, hi: Any, strict_min: bool, strict_max: bool) -> pd.Series:
    ok = pd.Series(True, index=values.index)
    if lo is not None:
        ok &= (values > lo) if strict_min else (values >= lo)
    if hi is not None:
        ok &= (values < hi) if strict_max else (values <= hi)
    return ok
