"""The fast path: GX's counts equal the row masks, vectorised text equals the per-value spelling, Data Docs."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from talenta.validate import build_data_docs, engine, gx_results_dir, masks, validate_batch
from talenta.validate.prepare import parameters, prepare
from talenta.validate.render import dumps, json_column, records_json, show, show_column
from talenta.validate.rules import SuiteError, load_suite

from .conftest import LOGICAL_DATE, RUN_ID, employee_row, frame, performance_row
from .test_rules import CASES, CLEAN

ODD_TEXT = ["plain", "it's", 'say "hi"', "back\\slash", "tab\there", "nb\xa0sp", "zero\u200bwidth", "Ünïcödé",
            "new\nline", None, "x\x7f"]


def _prepared(entity: str) -> pd.DataFrame:
    rows = [dict(r) for r in CLEAN[entity]] + [dict(r) for _, r in CASES[entity]]
    df = frame(entity, rows)
    return prepare(entity, df, LOGICAL_DATE)


@pytest.mark.parametrize("entity", list(CASES))
def test_gx_unexpected_counts_equal_the_row_masks(entity):
    suite = load_suite(entity)
    prepared = _prepared(entity)
    params = parameters(LOGICAL_DATE, earliest_year=2000, earliest_assessment_year=2010)
    run = engine.run_suite(suite, prepared, params)
    by_index = {r["expectation_config"]["meta"]["index"]: r for r in run.gx_result["results"]}
    assert len(run.results) == len(suite.expectations) == len(by_index)
    failing = 0
    for res in run.results:
        gx_count = by_index[res.index]["result"]["unexpected_count"]
        assert int(res.failed.sum()) == gx_count == res.unexpected_count
        assert res.success == (gx_count == 0)
        failing += gx_count > 0
    assert failing >= 3  # the defect rows make several expectations fail, so equality is not vacuous


def test_a_mask_that_disagrees_with_gx_stops_the_run(monkeypatch):
    suite = load_suite("performance")
    prepared = _prepared("performance")
    params = parameters(LOGICAL_DATE, earliest_year=2000, earliest_assessment_year=2010)
    real = masks.expectation_mask
    monkeypatch.setattr(engine, "expectation_mask", lambda exp, fr, p: ~real(exp, fr, p))
    with pytest.raises(engine.CountMismatch, match="GX counted"):
        engine.run_suite(suite, prepared, params)


def test_expectation_without_vectorised_twin_is_refused(tmp_path):
    suite = load_suite("vacancy")
    exp = dict(suite.expectations[1], kwargs={"column": "vacancy_id", "mostly": 0.9})
    bad = type(suite)(suite.entity, tmp_path / "vacancy.json", (exp,), suite.rules, {})
    with pytest.raises(SuiteError, match="mostly"):
        masks.check_supported(bad)


@pytest.mark.parametrize("dtype", ["string", object])
def test_vectorised_text_equals_per_value_spelling(dtype):
    values = pd.Series(ODD_TEXT, dtype=dtype)
    assert list(show_column(values)) == [show(v) for v in ODD_TEXT]
    assert list(json_column(values)) == [dumps(v) for v in ODD_TEXT]


def test_vectorised_text_of_dates_numbers_and_bools():
    cols = {
        "d": pd.Series([dt.date(2020, 1, 2), None, dt.date(1999, 12, 31)], dtype=object),
        "ts": pd.Series(pd.to_datetime(["2025-06-01 10:00:00", None, "2025-06-01 10:00:00.5"], format="ISO8601")),
        "i": pd.Series([1, None, 2031], dtype="Int64"),
        "f": pd.Series([78.5, np.nan, 120.0]),
        "inf": pd.Series([np.inf, 1.0, np.nan]),
        "b": pd.Series([True, None, False], dtype="boolean"),
    }
    for col in cols.values():
        raw = list(col.astype(object))
        assert list(show_column(col)) == [show(v) for v in raw]
        assert list(json_column(col)) == [dumps(v) for v in raw]
    df = pd.DataFrame(cols | {"s": pd.Series(["a", 'q"', None], dtype="string")})
    expected = [json.dumps({k: json.loads(dumps(v)) for k, v in row.items()}, ensure_ascii=False)
                for row in df.astype(object).to_dict("records")]
    assert list(records_json(df)) == expected


def test_data_docs_from_saved_results_and_from_outcomes(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTA_REPORTS_DIR", str(tmp_path / "reports"))
    results = gx_results_dir(LOGICAL_DATE, root=tmp_path / "lake")
    employees = [("D3578", frame("employee", [employee_row(1), employee_row(2, region_code="9999")])),
                 ("D3573", frame("employee", [employee_row(3)], "D3573"))]
    out = validate_batch("employee", employees, run_id=RUN_ID, logical_date=LOGICAL_DATE, results_dir=results)
    validate_batch("performance", [("D3578", frame("performance", [performance_row(1)]))], run_id=RUN_ID,
                   logical_date=LOGICAL_DATE, results_dir=results)
    # A re-run of the same shard replaces its saved result rather than adding one.
    validate_batch("performance", [("D3578", frame("performance", [performance_row(1)]))], run_id=RUN_ID,
                   logical_date=LOGICAL_DATE, results_dir=results)
    assert len(list(results.glob("*.json"))) == 2

    index = build_data_docs(results)
    assert index == tmp_path / "reports" / "datadocs" / LOGICAL_DATE / "index.html"
    site = index.parent
    pages = {p.relative_to(site).parts[:2] for p in site.glob("validations/**/*.html")}
    assert pages == {("validations", "talenta_employee"), ("validations", "talenta_performance")}
    employee_page = next(site.glob("validations/talenta_employee/**/*.html")).read_text()
    assert "region_code" in employee_page and "talenta_employee" in index.read_text()
    assert (site / "expectations" / "talenta_employee.html").exists()

    again = build_data_docs(out, tmp_path / "site")  # the outcomes of one batch share one result: one page
    assert len(list(again.parent.glob("validations/**/*.html"))) == 1
    assert not [p for p in again.parent.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_data_docs_without_results_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="results_dir"):
        build_data_docs(tmp_path / "missing", tmp_path / "site")
    with pytest.raises(ValueError, match="validated nothing"):
        build_data_docs([], tmp_path / "site")
