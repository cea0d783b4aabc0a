"""Rule files and the PermenPANRB 3/2020 grid (domain.md §1.2)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from talenta.scoring import ninebox
from talenta.scoring.rules import RuleError, load_rules, rules_from_dict


def test_shipped_rules_load_with_version_and_hash(rules):
    assert rules.version == "2025.1"
    assert len(rules.sha256) == 64
    assert rules["nilai_talenta"] == {"kinerja": 0.5, "potensial": 0.5}


@pytest.mark.parametrize(("path", "value", "needle"), [
    (("kinerja", "components", "utama", "weight"), 0.7, "sum to"),
    (("levels", "mid"), 90, "levels"),
    (("matching", "region_pool_cap_share"), 1.5, "region_pool_cap_share"),
    (("kinerja", "year_weights"), [1.0], "year_weights"),
])
def test_inconsistent_rules_are_rejected_naming_the_key(rules, path, value, needle):
    doc = copy.deepcopy(rules.doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(RuleError, match=needle):
        rules_from_dict(doc)


def test_unknown_version_names_the_available_ones():
    with pytest.raises(RuleError, match=r"2025\.1"):
        load_rules("1999.9")


# (kinerja level, potensial level) -> box, as listed in domain.md §0.
DOMAIN_GRID = {(1, 1): 1, (2, 1): 2, (1, 2): 3, (3, 1): 4, (2, 2): 5, (1, 3): 6, (3, 2): 7, (2, 3): 8, (3, 3): 9}


@pytest.mark.parametrize(("levels", "box"), sorted(DOMAIN_GRID.items()))
def test_grid_matches_permenpanrb_3_2020(levels, box):
    assert ninebox.box_of(*levels) == box


def test_boxes_carry_official_labels_and_follow_up():
    boxes = {b.box: b for b in ninebox.boxes()}
    assert sorted(boxes) == list(range(1, 10))
    assert boxes[9].label == "Kinerja di atas ekspektasi dan potensial tinggi"
    assert "Nasional" in boxes[9].follow_up
    assert boxes[1].follow_up.startswith("Diproses sesuai ketentuan")


def test_level_cut_offs_are_inclusive_at_80_and_60(rules):
    scores = pd.Series([100, 80, 79.99, 60, 59.99, 0, None], dtype="float64")
    got = ninebox.level(scores, rules).tolist()
    assert got[:6] == [3, 3, 2, 2, 1, 1]
    assert pd.isna(got[6])
