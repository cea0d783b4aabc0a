"""Mobility eligibility rules, one per check (issue #7, domain.md §2.7 and §6)."""

from __future__ import annotations

from datetime import date

import pytest

from talenta.scoring.eligibility import retirement_date
from talenta.scoring.pipeline import score
from tests.scoring.conftest import SCORED_ON, assessment, employee, frames, ratings, vacancy


def _pair(rules, emp_kw=None, vac_kw=None, disc=None):
    emp = employee("A", **(emp_kw or {}))
    inputs = frames([emp], ratings("A", (2025, "Sangat Baik"), (2024, "Sangat Baik")), [assessment("A", 95, 95)],
                    disc, [vacancy("V1", **(vac_kw or {}))])
    cand = score(inputs, rules, run_id="t", scored_on=SCORED_ON).tables["mobility_candidate"]
    assert len(cand) == 1
    return cand.iloc[0]


def test_a_strong_candidate_from_another_agency_is_eligible_with_a_fit(rules):
    row = _pair(rules)
    assert row["eligible"] and row["fit_score"] > 0 and row["reasons"].startswith("eligible")


@pytest.mark.parametrize(("emp_kw", "vac_kw", "disc", "reason"), [
    ({"golongan": "III/a"}, {}, None, "golongan"),
    ({"education_level": "D3"}, {}, None, "education"),
    ({"instansi_id": "D3273"}, {}, None, "own agency"),
    ({"employment_type": "PPPK", "golongan": "IX"}, {}, None, "employment type"),
    ({"birth_date": date(1968, 1, 15)}, {}, None, "retirement"),
    ({}, {}, [{"nip": "A", "decided_on": date(2024, 9, 1), "level": "S", "penalty": "x", "ends_on": None}],
     "discipline"),
    ({}, {}, [{"nip": "A", "decided_on": date(2025, 9, 1), "level": "B", "penalty": "x", "ends_on": None}],
     "discipline"),
    ({}, {}, [{"nip": "A", "decided_on": date(2021, 9, 1), "level": "R", "penalty": "x", "ends_on": date(2026, 9, 1)}],
     "discipline"),
])
def test_each_rule_makes_a_pair_ineligible_and_says_why(rules, emp_kw, vac_kw, disc, reason):
    row = _pair(rules, emp_kw, vac_kw, disc)
    assert not row["eligible"]
    assert reason in row["reasons"]


def test_light_or_old_discipline_does_not_bar(rules):
    disc = [{"nip": "A", "decided_on": date(2025, 6, 1), "level": "R", "penalty": "teguran", "ends_on": None},
            {"nip": "A", "decided_on": date(2022, 1, 1), "level": "B", "penalty": "x", "ends_on": date(2023, 1, 1)}]
    assert _pair(rules, disc=disc)["eligible"]


def test_inactive_person_is_not_eligible(rules):
    row = _pair(rules, {"status": "99"})
    assert not row["eligible"] and "not active" in row["reasons"]


def test_priority_sector_weighs_the_fit(rules):
    plain = _pair(rules)["fit_score"]
    health = _pair(rules, vac_kw={"sector": "kesehatan"})["fit_score"]
    assert health == pytest.approx(plain * rules["matching"]["sector_weights"]["kesehatan"])


def test_retirement_date_is_first_of_month_after_bup_birthday():
    import pandas as pd

    got = retirement_date(pd.Series([date(1968, 1, 15), date(1966, 12, 3)]), pd.Series(["AHLI_MUDA", "AHLI_MADYA"]))
    assert [d.date() for d in got] == [date(2026, 2, 1), date(2027, 1, 1)]
