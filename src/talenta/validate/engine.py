"""One Great Expectations run over a prepared batch; returns which rows failed which expectation.

GX is imported here, inside functions only: ``import great_expectations`` costs seconds and must never run
when a DAG file or ``talenta.validate`` is merely imported. The context is ephemeral (nothing written to
disk); failing rows come back as their ``(source_id, source_row_ref)`` pair, never as a position.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from talenta.validate.rules import Suite

ROW_KEY = ("source_id", "source_row_ref")


@dataclass(frozen=True)
class ExpectationResult:
    """Outcome of one expectation over the whole batch."""

    index: int
    rule: str
    success: bool
    failed_positions: np.ndarray  # row positions in the prepared frame, resolved from the row keys
    element_count: int


@cache
def _context() -> Any:
    # Analytics would phone home from a worker; progress bars would flood task logs.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def _batch(frame: pd.DataFrame, entity: str) -> Any:
    ctx = _context()
    name = f"talenta_{entity}"
    try:
        source = ctx.data_sources.get(name)
    except (KeyError, ValueError):
        source = ctx.data_sources.add_pandas(name)
    try:
        asset = source.get_asset("batch")
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset("batch")
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, LookupError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    return definition.get_batch(batch_parameters={"dataframe": frame})


def _gx_suite(suite: Suite) -> Any:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = []
    for i, exp in enumerate(suite.expectations):
        meta = dict(exp["meta"], index=i)
        config = ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=meta)
        expectations.append(config.to_domain_obj())
    return gx.ExpectationSuite(name=f"talenta_{suite.entity}", expectations=expectations)


def run_suite(suite: Suite, frame: pd.DataFrame, parameters: dict[str, Any]) -> list[ExpectationResult]:
    """Validate ``frame`` (all sources of the batch, prepared) against ``suite`` in one GX run."""
    keys = pd.MultiIndex.from_frame(frame[list(ROW_KEY)].astype("string"))
    batch = _batch(frame, suite.entity)
    result = batch.validate(
        _gx_suite(suite),
        expectation_parameters=parameters,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(ROW_KEY),
                       "return_unexpected_index_query": False},
    )
    out = []
    for res in result.results:
        meta = res.expectation_config.meta
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"GX expectation #{meta['index']} ({res.expectation_config.type}, rule {meta['rule']}) of "
                f"suite {suite.path} could not run: {res.exception_info.get('exception_message')}; "
                "fix the suite or the derived column it reads")
        unexpected = res.result.get("unexpected_index_list") or []
        if unexpected:
            wanted = pd.MultiIndex.from_tuples([(u["source_id"], u["source_row_ref"]) for u in unexpected])
            positions = keys.get_indexer(wanted)
        else:
            positions = np.empty(0, dtype=np.intp)
        out.append(ExpectationResult(meta["index"], meta["rule"], bool(res.success), positions,
                                     int(res.result.get("element_count") or len(frame))))
    return out
