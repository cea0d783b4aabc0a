"""Kinerja window, potensial components and the insufficient_data outcome (never a low box)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from talenta.scoring.pipeline import score
from tests.scoring.conftest import SCORED_ON, assessment, employee, frames, ratings, synthetic_inputs, vacancy


def _talent(inputs, rules, scored_on=SCORED_ON):
    return score(inputs, rules, run_id="t", scored_on=scored_on).tables["talent_score"].set_index("nip")


def test_kinerja_uses_the_last_two_completed_years_weighted(rules):
    # Scored in March 2026: window is 2025 (weight 0.6) and 2024 (0.4); 2023 and 2026 are ignored.
    inputs = frames([employee("A")], ratings("A", (2025, "Sangat Baik"), (2024, "Baik"), (2023, "Sangat Kurang"),
                                            (2026, "Sangat Kurang")), [assessment("A", 90, 90)])
    t = _talent(inputs, rules)
    assert t.loc["A", "kinerja_score"] == pytest.approx(0.6 * 100 + 0.4 * 80)
    assert t.loc["A", "kinerja_level"] == 3


def test_one_rating_in_the_window_is_enough_and_is_not_diluted(rules):
    inputs = frames([employee("A")], ratings("A", (2024, "Baik")), [assessment("A", 90, 90)])
    assert _talent(inputs, rules).loc["A", "kinerja_score"] == pytest.approx(80)


@pytest.mark.parametrize(("case", "emp_kw", "perf", "assess"), [
    ("no rating in window", {}, [(2022, "Sangat Baik")], True),
    ("no assessment", {}, [(2025, "Sangat Kurang")], False),
    ("stale employee record", {"updated_at": datetime(2024, 1, 1)}, [(2025, "Baik")], True),
    ("identity conflict", {"has_identity_conflict": True}, [(2025, "Baik")], True),
])
def test_missing_or_stale_inputs_give_insufficient_data_never_a_low_box(rules, case, emp_kw, perf, assess):
    inputs = frames([employee("A", **emp_kw)], ratings("A", *perf), [assessment("A", 40, 40)] if assess else [])
    row = _talent(inputs, rules).loc["A"]
    assert row["outcome"] == "insufficient_data", case
    assert pd.isna(row["box"]) and pd.isna(row["nilai_talenta"])
    assert not row["in_succession_pool"]
    assert row["reasons"]


def test_assessment_older_than_the_rule_allows_does_not_count(rules):
    inputs = frames([employee("A")], ratings("A", (2025, "Baik")), [assessment("A", 90, 90, on=date(2021, 1, 1))])
    row = _talent(inputs, rules).loc["A"]
    assert row["outcome"] == "insufficient_data"
    assert "assessment" in row["reasons"]


def test_potensial_reweights_optional_components_and_discipline_lowers_integritas(rules):
    emps = [employee("A"), employee("B")]
    perf = ratings("A", (2025, "Baik")) + ratings("B", (2025, "Baik"))
    disc = [{"nip": "B", "decided_on": date(2025, 6, 1), "level": "R", "penalty": "teguran", "ends_on": None}]
    t = _talent(frames(emps, perf, [assessment("A", 80, 80), assessment("B", 80, 80)], disc), rules)
    assert t.loc["A", "potensial_score"] > t.loc["B", "potensial_score"]
    # Weighted mean of present components: kompetensi 80, potensi 80, experience (6 y) 100, S1 80,
    # integritas 100 (no field-fit rule covers 'Analis Kebijakan', no diklat data).
    expected = (0.20 * 80 + 0.25 * 80 + 0.10 * 100 + 0.10 * 80 + 0.15 * 100) / (0.20 + 0.25 + 0.10 + 0.10 + 0.15)
    assert t.loc["A", "potensial_score"] == pytest.approx(expected, abs=1e-3)


def test_box_and_pools_follow_levels(rules):
    emps = [employee("TOP"), employee("MID"), employee("LOW")]
    perf = ratings("TOP", (2025, "Sangat Baik"), (2024, "Sangat Baik")) + ratings("MID", (2025, "Baik")) + \
        ratings("LOW", (2025, "Sangat Kurang"), (2024, "Kurang"))
    assess = [assessment("TOP", 95, 95), assessment("MID", 70, 60), assessment("LOW", 30, 30)]
    t = _talent(frames(emps, perf, assess), rules)
    assert (t.loc["TOP", "box"], t.loc["TOP", "in_national_pool"], t.loc["TOP", "in_succession_pool"]) == (9, True, True)
    assert t.loc["LOW", "box"] == 1 and not t.loc["LOW", "in_succession_pool"]
    assert t.loc["MID", "kinerja_level"] == 3  # Baik = 80 is "di atas" under the 80/60 cut-offs
    assert all(t["rule_version"] == "2025.1")


def test_medium_discipline_keeps_a_box_9_out_of_the_pool(rules):
    disc = [{"nip": "A", "decided_on": date(2025, 1, 10), "level": "S", "penalty": "penundaan KGB", "ends_on": None}]
    inputs = frames([employee("A")], ratings("A", (2025, "Sangat Baik"), (2024, "Sangat Baik")),
                    [assessment("A", 100, 100)], disc)
    row = _talent(inputs, rules).loc["A"]
    assert row["outcome"] == "scored" and row["box"] >= 7
    assert not row["in_succession_pool"] and "pool" in row["reasons"]


def test_protected_attributes_change_nothing(rules):
    base = synthetic_inputs(300, 20, seed=3)
    changed = {k: v.copy() for k, v in base.items()}
    emp = changed["employee_current"]
    emp["gender"] = emp["gender"].map({"L": "P", "P": "L"})
    emp["religion"] = "7"
    emp["birth_place"] = "Somewhere else"
    emp["marital_status"] = "Kawin"
    a = score(base, rules, run_id="t", scored_on=SCORED_ON).tables
    b = score(changed, rules, run_id="t", scored_on=SCORED_ON).tables
    for name in ("talent_score", "mobility_candidate", "mobility_recommendation"):
        pd.testing.assert_frame_equal(a[name], b[name])


def test_rerun_is_identical(rules):
    inputs = synthetic_inputs(300, 20, seed=5)
    a = score(inputs, rules, run_id="r", scored_on=SCORED_ON)
    b = score(inputs, rules, run_id="r", scored_on=SCORED_ON)
    for name, table in a.tables.items():
        pd.testing.assert_frame_equal(table, b.tables[name])


def test_every_vacancy_pair_considered_has_a_reason(rules):
    inputs = frames([employee("A", instansi_id="D3273")], ratings("A", (2025, "Sangat Baik")),
                    [assessment("A", 95, 95)], vacs=[vacancy("V1")])
    cand = score(inputs, rules, run_id="t", scored_on=SCORED_ON).tables["mobility_candidate"]
    assert len(cand) == 1 and not cand["eligible"][0]
    assert "own agency" in cand["reasons"][0]
