"""Fairness audit: rates, adverse-impact ratios and the flag."""

from __future__ import annotations

import pandas as pd

from talenta.scoring.fairness import audit, flagged, readiness, render_markdown
from tests.scoring.conftest import SCORED_ON, employee


def test_adverse_impact_ratio_flags_a_group_under_four_fifths(rules):
    emps, talent = [], []
    # 40 men with 20 in the pool (0.5), 40 women with 10 in the pool (0.25): AIR 0.5 < 0.8.
    for i in range(80):
        g = "L" if i < 40 else "P"
        emps.append(employee(f"N{i:03d}", gender=g))
        in_pool = (i < 20) or (40 <= i < 50)
        talent.append({"nip": f"N{i:03d}", "outcome": "scored", "in_succession_pool": in_pool})
    emp = pd.DataFrame(emps)
    t = pd.DataFrame(talent).set_index("nip")
    proposed = pd.Index(["N000", "N040"])
    table = audit(emp, t, proposed, rules, run_id="f", scored_on=SCORED_ON)
    g = table[table["dimension"] == "gender"].set_index("group")
    assert g.loc["L", "pool_rate"] == 0.5 and g.loc["P", "pool_rate"] == 0.25
    assert g.loc["P", "pool_air"] == 0.5 and bool(g.loc["P", "pool_flagged"])
    assert not g.loc["L", "pool_flagged"]
    # Recommendation rate among pool members: 1/20 vs 1/10, so men are the disadvantaged group here.
    assert g.loc["L", "recommendation_air"] == 0.5 and bool(g.loc["L", "recommendation_flagged"])
    assert flagged(table)
    assert set(table["dimension"]) == {"gender", "age_band", "province", "agency_type"}
    assert "FLAGGED" in render_markdown(table, run_id="f", rule_version=rules.version)


def test_small_groups_are_reported_but_not_flagged(rules):
    emps = [employee(f"N{i}", gender="L" if i < 5 else "P") for i in range(10)]
    t = pd.DataFrame({"nip": [e["nip"] for e in emps], "outcome": "scored",
                      "in_succession_pool": [True] * 5 + [False] * 5}).set_index("nip")
    table = audit(pd.DataFrame(emps), t, pd.Index([]), rules, run_id="f", scored_on=SCORED_ON)
    assert not flagged(table)


def test_readiness_per_agency_names_the_gap():
    emp = pd.DataFrame([employee("A", instansi_id="D3578"), employee("B", instansi_id="D3578")])
    axes = pd.DataFrame({"n_ratings": [2, 1], "kompetensi": [80.0, None], "potensi": [80.0, None]},
                        index=pd.Index(["A", "B"], name="nip"))
    talent = pd.DataFrame({"outcome": ["scored", "insufficient_data"], "in_succession_pool": [True, False]},
                          index=pd.Index(["A", "B"], name="nip"))
    row = readiness(emp, axes, talent, run_id="r").iloc[0]
    assert (row["employees"], row["with_current_skp"], row["with_assessment"], row["pool_size"]) == (2, 2, 1, 1)
    assert row["main_gap"] == "assessment coverage"
