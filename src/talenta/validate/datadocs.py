"""GX Data Docs (issue #5): a static site of a run's validation results, built once per run.

Each ``validate_batch`` call (one per entity and shard) can save GX's validation result of its batch as JSON
under :func:`gx_results_dir` (``validate_batch(..., results_dir=gx_results_dir(logical_date))``). After all
shards ran, the report task calls :func:`build_data_docs` once: it loads those results into a throwaway
ephemeral GX context and lets GX render its Data Docs site to
``talenta.settings.reports_dir()/datadocs/<logical_date>/`` (replaced as a whole, never half-written).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from talenta.lake.layout import replace_partition, state_dir, write_json_atomic
from talenta.settings import reports_dir
from talenta.validate.rules import load_suite

SITE = "talenta"


def gx_results_dir(logical_date: str, *, root: Path | None = None) -> Path:
    """Where the run of ``logical_date`` keeps GX validation results: ``<lake>/_state/gx_results/logical_date=<d>``."""
    return state_dir(root=root) / "gx_results" / f"logical_date={logical_date}"


def datadocs_dir(logical_date: str) -> Path:
    """Where the Data Docs site of ``logical_date`` is written: ``<reports_dir>/datadocs/<logical_date>``."""
    return reports_dir() / "datadocs" / logical_date


def save_gx_result(gx_result: dict[str, Any], results_dir: str | Path, *, entity: str, run_id: str,
                   logical_date: str, source_ids: list[str]) -> Path:
    """Write one batch's GX result as ``<results_dir>/<entity>-<digest of its sources>.json`` (atomic).

    The name depends only on the entity and the batch's sources, so a re-run of the same shard replaces its
    file instead of adding a second one.
    """
    digest = hashlib.sha1("\n".join(sorted(source_ids)).encode()).hexdigest()[:12]
    envelope = {"entity": entity, "run_id": run_id, "logical_date": logical_date, "source_ids": source_ids,
                "gx_result": gx_result}
    return write_json_atomic(Path(results_dir) / f"{entity}-{digest}.json", envelope)


def _envelopes(results: Any) -> list[dict[str, Any]]:
    """Saved results from a folder, or the (deduplicated) batch results behind validation outcomes."""
    if isinstance(results, str | Path):
        folder = Path(results)
        if not folder.is_dir():
            raise FileNotFoundError(f"no GX results folder {folder}; validate with results_dir=gx_results_dir("
                                    "logical_date) first, or pass the outcomes themselves")
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    outcomes: Iterable[Any] = results.values() if isinstance(results, Mapping) else results
    seen: dict[int, dict[str, Any]] = {}
    for item in outcomes:
        if isinstance(item, Mapping) and "gx_result" in item:  # already an envelope
            seen[id(item)] = dict(item)
            continue
        gx_result = getattr(item, "gx_result", None)
        if gx_result is None or id(gx_result) in seen:
            continue  # outcomes of one batch share one result
        checks = item.checks
        entity = str(checks["entity"].iloc[0]) if len(checks) else None
        seen[id(gx_result)] = {"entity": entity, "gx_result": gx_result,
                               "run_id": str(checks["run_id"].iloc[0]) if len(checks) else None,
                               "logical_date": str(checks["logical_date"].iloc[0]) if len(checks) else None}
    return list(seen.values())


def build_data_docs(results: str | Path | Iterable[Any] | Mapping[str, Any], out_dir: str | Path | None = None,
                    *, logical_date: str | None = None) -> Path:
    """Render GX Data Docs of a run's validation results; returns the site's ``index.html``.

    ``results``: the folder :func:`gx_results_dir` of the run, or validation outcomes (a list, or the dict
    ``validate_batch`` returns). ``out_dir`` defaults to :func:`datadocs_dir` of ``logical_date`` (taken from
    the results when not given). The site is built in a temporary folder and then moved into place.
    """
    envelopes = _envelopes(results)
    if not envelopes:
        raise ValueError("no GX validation results to render: the run validated nothing, or validate_batch "
                         "was called without results_dir")
    if out_dir is None:
        logical_date = logical_date or next((e.get("logical_date") for e in envelopes if e.get("logical_date")),
                                            None)
        if not logical_date:
            raise ValueError("build_data_docs needs out_dir or logical_date to know where the site goes")
        out_dir = datadocs_dir(logical_date)
    target = Path(out_dir)
    # The whole site is swapped in at once (the lake's atomic folder replace), never half-written.
    replace_partition(target, lambda tmp: _render(envelopes, tmp))
    return target / "index.html"


def _render(envelopes: list[dict[str, Any]], site_dir: Path) -> None:
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResultSchema
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from talenta.validate.engine import gx_suite

    # A context of its own: the validation context is cached per process and must not collect sites.
    ctx = gx.get_context(mode="ephemeral")
    ctx.add_data_docs_site(SITE, {
        "class_name": "SiteBuilder", "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(site_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    schema = ExpectationSuiteValidationResultSchema()
    added: set[str] = set()
    for i, env in enumerate(envelopes):
        result = schema.load(env["gx_result"])
        entity = env.get("entity") or str(result.suite_name).removeprefix("talenta_")
        if entity not in added:
            ctx.suites.add(gx_suite(load_suite(entity)))
            added.add(entity)
        sources = env.get("source_ids") or []
        batch = f"{entity}-{i:04d}" + (f"-{sources[0]}..{sources[-1]}" if sources else "")
        key = ValidationResultIdentifier(ExpectationSuiteIdentifier(result.suite_name),
                                         RunIdentifier(run_name=env.get("run_id") or "run"), batch)
        ctx.validation_results_store.set(key, result)
    ctx.build_data_docs(site_names=[SITE])
