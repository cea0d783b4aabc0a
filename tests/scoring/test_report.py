"""The talent report: 9-box per region and agency, pools, province flows chart, fairness; all escaped."""

from __future__ import annotations

import json

from talenta.scoring.pipeline import score
from talenta.scoring.report import write_talent_report
from tests.scoring.conftest import SCORED_ON, synthetic_inputs


def test_talent_report_shows_counts_flows_and_fairness_escaped(rules, tmp_path):
    inputs = synthetic_inputs(400, 30, seed=13)
    # A hostile agency id from a source system must come out as text, never as markup.
    emp = inputs["employee_current"]
    emp.loc[emp.index[:5], "instansi_id"] = "<script>alert(1)</script>"
    result = score(inputs, rules, run_id="r:1", scored_on=SCORED_ON)
    path = write_talent_report(result, tmp_path / "talent")
    html = path.read_text(encoding="utf-8")

    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    counts = result.tables["talent_box_counts"]
    assert counts["people"].sum() == len(emp)
    # Every province present in the data has a row, and the pool size printed is the real one.
    assert "Kota Surabaya" in html or "(35)" in html
    assert f"{result.summary['succession_pool']:,}" in html
    primaries = result.tables["mobility_recommendation"].query("is_primary")
    assert len(primaries) > 0
    assert html.count("<rect") >= 1 and "primary proposals between provinces" in html
    assert "Fairness audit" in html and "age_band" in html
    assert "readiness" in html.lower()
    index = json.loads((tmp_path / "talent" / "index.json").read_text())
    assert index["files"][path.name]["scope"] == "BKN"
    assert (tmp_path / "talent" / "index.html").read_text(encoding="utf-8") == html
