"""One whole run against a real DuckDB warehouse file: read inputs, score, write outputs, re-run."""

from __future__ import annotations

import pyarrow as pa
import pytest

from talenta.scoring import pipeline
from talenta.warehouse.db import Warehouse
from tests.scoring.conftest import SCORED_ON, synthetic_inputs


@pytest.fixture
def warehouse_url(tmp_path):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    inputs = synthetic_inputs(400, 30, seed=11)
    with Warehouse(url) as wh:
        for name, frame in inputs.items():
            wh.replace_table(name, pa.Table.from_pandas(frame, preserve_index=False))
    return url


def _counts(url):
    with Warehouse(url) as wh:
        return {t: wh.scalar(f"select count(*) from {t}") for t in
                ("talent_score", "mobility_candidate", "mobility_recommendation", "fairness_audit",
                 "agency_readiness", "scoring_run", "dim_talent_box")}


def test_run_writes_outputs_and_rerun_replaces_them(warehouse_url, tmp_path):
    summary = pipeline.run("score_2026-03-01", SCORED_ON, url=warehouse_url, report_dir=str(tmp_path / "rep"))
    first = _counts(warehouse_url)
    assert first["talent_score"] == 400 and first["scoring_run"] == 1 and first["dim_talent_box"] == 9
    assert first["mobility_recommendation"] > 0 and first["fairness_audit"] > 0
    assert summary["optimal_total_fit"] >= summary["greedy_total_fit"]
    assert (tmp_path / "rep").glob("fairness_*.md")
    with Warehouse(warehouse_url) as wh:
        before = wh.query_df("select * from talent_score order by nip")
        primaries = wh.query_df("select vacancy_id, count(*) n from mobility_recommendation "
                                "where is_primary group by 1 having count(*) > 1")
        persons = wh.query_df("select nip from mobility_recommendation where is_primary group by 1 having count(*) > 1")
        run = wh.query_df("select rule_version, input_state from scoring_run")
    assert primaries.empty and persons.empty
    assert run["rule_version"][0] == "2025.1" and "employee_current" in run["input_state"][0]

    pipeline.run("score_2026-03-01", SCORED_ON, url=warehouse_url, report_dir=str(tmp_path / "rep"))
    assert _counts(warehouse_url) == first
    with Warehouse(warehouse_url) as wh:
        after = wh.query_df("select * from talent_score order by nip")
    assert before.equals(after)

    pipeline.run("score_2026-03-02", "2026-03-02", url=warehouse_url, report_dir=str(tmp_path / "rep"))
    assert _counts(warehouse_url)["talent_score"] == 800


def test_missing_input_table_says_what_to_run(tmp_path):
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    with pytest.raises(Exception, match="warehouse merge"):
        pipeline.run("r1", SCORED_ON, url=url, report_dir=str(tmp_path))
