"""The reviewed suites: valid GX 1.x, every expectation names its rule, unreadable values have a rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from talenta.domain.schemas import ENTITIES, SCHEMAS
from talenta.validate.rules import PARSE_RULE, SuiteError, _parse_suite, catalogue, load_suite


@pytest.mark.parametrize("entity", ENTITIES)
def test_suite_is_valid_gx_and_every_expectation_has_rule_severity_fix(entity):
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = load_suite(entity)
    assert PARSE_RULE in suite.rules
    for exp in suite.expectations:
        assert exp["meta"]["severity"] in ("critical", "warning")
        assert exp["meta"]["fix"] and exp["meta"]["fix_en"]
        ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp["meta"]).to_domain_obj()


@pytest.mark.parametrize("entity", ENTITIES)
def test_typed_and_coded_columns_have_a_parse_error_rule(entity):
    suite = load_suite(entity)
    for field in SCHEMAS[entity]:
        if str(field.type) != "string" and field.name != "updated_at":
            assert field.name in suite.parse_error_rules, f"{entity}.{field.name} has no parse-error rule"


def test_catalogue_names_are_stable_and_unique_per_entity():
    cat = catalogue()
    assert set(cat) == set(ENTITIES)
    assert {"nip_birth_matches", "nip_unique", "active_past_bup"} <= set(cat["employee"])
    assert cat["employee"]["active_past_bup"].severity == "warning"
    assert cat["performance"]["predikat_matches_matrix"].severity == "critical"


def test_suite_without_rule_meta_is_refused(tmp_path: Path):
    bad = {"name": "x", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "nip"}, "meta": {"severity": "critical"}}]}
    (tmp_path / "employee.json").write_text(json.dumps(bad))
    with pytest.raises(SuiteError, match=r"meta\.rule"):
        _parse_suite("employee", tmp_path / "employee.json")


def test_missing_suite_says_which_file(tmp_path: Path):
    with pytest.raises(SuiteError, match=r"employee\.json is missing"):
        _parse_suite("employee", tmp_path / "employee.json")
