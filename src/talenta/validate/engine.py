"""One Great Expectations run over a prepared batch: GX's counts, and the row masks behind them.

GX is imported here, inside functions only: ``import great_expectations`` costs seconds and must never run
when a DAG file or ``talenta.validate`` is merely imported. The context is ephemeral (nothing written to
disk). GX runs with result format ``BASIC`` (counts and a few sample values, no per-row objects); the rows
behind each count come from :mod:`talenta.validate.masks`, and every mask must count exactly what GX
counted, else the run fails: the dq numbers are GX's, the masks only locate them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from talenta.validate.masks import expectation_mask, gx_frame
from talenta.validate.rules import Suite

RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}


@dataclass(frozen=True)
class ExpectationResult:
    """Outcome of one expectation over the whole batch."""

    index: int
    rule: str
    success: bool
    failed: np.ndarray  # boolean mask over the batch rows; its count equals GX's unexpected_count
    unexpected_count: int
    element_count: int


@dataclass(frozen=True)
class SuiteRun:
    """GX's validation result of one batch (JSON-able, for Data Docs) and the per-expectation outcomes."""

    results: list[ExpectationResult]
    gx_result: dict[str, Any]


class CountMismatch(RuntimeError):
    """A row mask disagrees with GX's count: the mask's predicate no longer matches GX's semantics."""


def preload() -> None:
    """Import Great Expectations (5-7 s) without creating a context: a process that forks task processes
    calls this once so that they start with it loaded (see ``talenta.deploy.celery_config``)."""
    # Analytics would phone home from a worker; progress bars would flood task logs.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # GX's import logs ~200 INFO lines ("Skipping registering function ...") into every sync task's log,
    # burying the per-source lines engineers read; its warnings and errors still come through.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations  # noqa: F401


@cache
def _context() -> Any:
    preload()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch below this size by hashing all its cells (seconds per million
    # rows) for a batch marker nothing here reads; 0 turns the fingerprint off.
    pandas_execution_engine.HASH_THRESHOLD = 0
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


def gx_suite(suite: Suite) -> Any:
    """The GX ``ExpectationSuite`` object of a parsed suite (each expectation's meta carries its index)."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = []
    for i, exp in enumerate(suite.expectations):
        meta = dict(exp["meta"], index=i)
        config = ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=meta)
        expectations.append(config.to_domain_obj())
    return gx.ExpectationSuite(name=f"talenta_{suite.entity}", expectations=expectations)


def run_suite(suite: Suite, prepared: pd.DataFrame, parameters: dict[str, Any]) -> SuiteRun:
    """Validate ``prepared`` (all sources of the batch) against ``suite`` in one GX run."""
    frame = gx_frame(suite, prepared)
    batch = _batch(frame, suite.entity)
    result = batch.validate(gx_suite(suite), expectation_parameters=parameters, result_format=RESULT_FORMAT)
    out = []
    for res in result.results:
        meta = res.expectation_config.meta
        where = (f"GX expectation #{meta['index']} ({res.expectation_config.type}, rule {meta['rule']}) of "
                 f"suite {suite.path}")
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(f"{where} could not run: {res.exception_info.get('exception_message')}; "
                               "fix the suite or the derived column it reads")
        exp = suite.expectations[meta["index"]]
        failed = expectation_mask(exp, frame, parameters)
        counted = int(res.result.get("unexpected_count") or 0)
        if int(failed.sum()) != counted:
            raise CountMismatch(f"{where}: GX counted {counted} unexpected rows but the row mask found "
                                f"{int(failed.sum())}; align talenta.validate.masks with GX's semantics")
        out.append(ExpectationResult(meta["index"], meta["rule"], bool(res.success), failed, counted,
                                     int(res.result.get("element_count") or len(frame))))
    out.sort(key=lambda r: r.index)
    return SuiteRun(out, result.to_json_dict())
