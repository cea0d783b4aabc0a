"""Outcome contract: nothing lost, warnings vs critical, held sources, batch = per source, output schemas."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from talenta.domain.schemas import DQ_CHECK, QUARANTINE, silver_validated_schema
from talenta.validate import to_tables, validate_batch
from talenta.validate.rules import SuiteError, load_config, load_suite

from .conftest import LOGICAL_DATE, RUN_ID, employee_row, frame


def _rows(n: int, bad: int, offset: int = 1) -> list[dict]:
    """``n`` employees of which the first ``bad`` have an unknown region (critical)."""
    return [employee_row(offset + i, region_code="9999" if i < bad else "3578") for i in range(n)]


def _run(frames):
    return validate_batch("employee", frames, run_id=RUN_ID, logical_date=LOGICAL_DATE)


@pytest.fixture(scope="module")
def batch():
    frames = [
        ("D3578", frame("employee", _rows(25, 6))),                     # 24 % bad: held
        ("D3573", frame("employee", _rows(25, 5, 100), "D3573")),       # 20 % bad: not above threshold
        ("D3201", frame("employee", _rows(3, 1, 200), "D3201", file="tb_pegawai.id", start=7)),  # too few to hold
        ("P001", frame("employee", [], "P001")),
    ]
    return frames, _run(frames)


def test_every_row_is_accepted_or_quarantined(batch):
    frames, out = batch
    assert set(out) == {sid for sid, _ in frames}
    for sid, df in frames:
        o = out[sid]
        assert len(o.accepted) + len(o.quarantined) == len(df) == o.rows
        refs = set(o.accepted["source_row_ref"]) | set(o.quarantined["source_row_ref"])
        assert refs == set(df["source_row_ref"])
        assert not set(o.accepted["source_row_ref"]) & set(o.quarantined["source_row_ref"])
        assert set(o.quarantined["source_id"]) <= {sid} and set(o.accepted["source_id"]) <= {sid}


def test_held_threshold_and_minimum_rows(batch):
    _, out = batch
    assert out["D3578"].held and "D3578" in out["D3578"].reason and "region_known" in out["D3578"].reason
    assert len(out["D3578"].accepted) == 19  # a held source's accepted rows are still returned for diagnosis
    assert not out["D3573"].held and out["D3573"].reason is None
    assert not out["D3201"].held and len(out["D3201"].quarantined) == 1  # 33 % but below min_rows_for_hold
    assert not out["P001"].held


def test_dq_checks_one_row_per_rule_with_counts_and_examples(batch):
    _, out = batch
    rules = load_suite("employee").rules
    checks = out["D3578"].checks.set_index("rule")
    assert set(checks.index) == set(rules)
    assert (checks["rows_checked"] == 25).all() and (checks["source_id"] == "D3578").all()
    assert checks.loc["region_known", "rows_failed"] == 6 and not checks.loc["region_known", "passed"]
    assert list(checks.loc["region_known", "example_refs"]) == [f"data.csv:{i}" for i in range(2, 7)]
    assert checks.loc["nip_format", "passed"] and checks.loc["nip_format", "rows_failed"] == 0
    assert (checks["severity"] == checks.index.map(lambda r: rules[r].severity)).all()
    empty = out["P001"].checks
    assert len(empty) == len(rules) and empty["passed"].all() and (empty["rows_checked"] == 0).all()
    assert (empty["source_id"] == "P001").all()


def test_batch_of_several_sources_equals_per_source_results(batch):
    frames, out = batch
    for sid, df in frames[:3]:
        alone = _run([(sid, df)])[sid]
        assert alone.held == out[sid].held
        assert sorted(alone.accepted["source_row_ref"]) == sorted(out[sid].accepted["source_row_ref"])
        a = alone.quarantined.sort_values("source_row_ref")
        b = out[sid].quarantined.sort_values("source_row_ref")
        assert a["failed_checks"].map(list).tolist() == b["failed_checks"].map(list).tolist()
        assert alone.checks["rows_failed"].tolist() == out[sid].checks["rows_failed"].tolist()


def test_same_ref_in_two_sources_is_kept_apart():
    a = frame("employee", [employee_row(1), employee_row(2, region_code="9999")], "D3578")
    b = frame("employee", [employee_row(1, region_code="9999"), employee_row(2)], "D3573")
    out = _run([("D3578", a), ("D3573", b)])
    assert out["D3578"].quarantined["source_row_ref"].tolist() == ["data.csv:3"]
    assert out["D3573"].quarantined["source_row_ref"].tolist() == ["data.csv:2"]


def test_warning_only_row_is_accepted_and_flagged_and_critical_lists_warnings_too():
    rows = [employee_row(1, jabatan_level="AHLI_UTAMA"),
            employee_row(2, jabatan_level="AHLI_UTAMA", region_code="9999")]
    out = _run([("D3578", frame("employee", rows))])["D3578"]
    assert out.accepted["dq_warnings"].map(list).tolist() == [["jabatan_golongan_range"]]
    assert sorted(out.quarantined["failed_checks"].iloc[0]) == ["jabatan_golongan_range", "region_known"]
    assert len(out.quarantined["reasons"].iloc[0]) == 2


def test_several_failures_in_one_row_are_all_listed():
    row = employee_row(1, region_code="9999", instansi_id="X", education_level="S9",
                       tmt_jabatan=dt.date(2030, 1, 1))
    q = _run([("D3578", frame("employee", [row]))])["D3578"].quarantined
    assert set(q["failed_checks"].iloc[0]) == {"region_known", "instansi_known", "education_known", "dates_valid"}


def test_duplicate_row_refs_are_refused_with_the_source_named():
    df = frame("employee", [employee_row(1), employee_row(2)])
    df["source_row_ref"] = "pegawai.csv:9"
    with pytest.raises(ValueError, match="D3578"):
        _run([("D3578", df)])


def test_outputs_convert_to_the_lake_schemas(batch):
    _, out = batch
    tables = to_tables("employee", out["D3578"])
    assert tables["silver"].schema.equals(silver_validated_schema("employee"))
    assert tables["quarantine"].schema.equals(QUARANTINE) and tables["quarantine"].num_rows == 6
    assert tables["dq"].schema.equals(DQ_CHECK)
    assert tables["quarantine"].column("failed_checks").type == pa.list_(pa.string())
    empty = to_tables("employee", out["P001"])
    assert empty["silver"].num_rows == 0 and empty["quarantine"].num_rows == 0


def test_config_threshold_and_validation(tmp_path: Path):
    path = tmp_path / "validation.yaml"
    path.write_text("held_threshold: 0.5\nmin_rows_for_hold: 3\n")
    cfg = load_config(path)
    assert (cfg.held_threshold, cfg.min_rows_for_hold) == (0.5, 3)
    path.write_text("held_threshold: 5\n")
    with pytest.raises(SuiteError, match="held_threshold"):
        load_config(path)
    path.write_text("treshold: 0.1\n")
    with pytest.raises(SuiteError, match="treshold"):
        load_config(path)


def test_importing_talenta_validate_does_not_import_great_expectations():
    code = "import sys, talenta.validate; print(any(m.startswith('great_expectations') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"
