"""The assignment equals brute force on small instances, is never worse than greedy and respects the cap."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from talenta.scoring.matching import greedy_assignment, optimal_assignment, region_caps


def brute_force(edges: pd.DataFrame, caps: dict[str, int] | None) -> float:
    """Best total weight over every feasible subset of edges (tiny instances only)."""
    best = 0.0
    rows = list(edges.itertuples(index=False))
    for size in range(len(rows) + 1):
        for combo in itertools.combinations(rows, size):
            vs = [e.vacancy_id for e in combo]
            ps = [e.nip for e in combo]
            if len(set(vs)) < size or len(set(ps)) < size:
                continue
            if caps is not None:
                used = pd.Series([e.region for e in combo], dtype=object).value_counts()
                if any(n > caps.get(r, 10**9) for r, n in used.items()):
                    continue
            best = max(best, sum(e.weight for e in combo))
    return best


def random_edges(rng: np.random.Generator, n_v: int, n_p: int, n_e: int) -> pd.DataFrame:
    pairs = {(int(rng.integers(n_v)), int(rng.integers(n_p))) for _ in range(n_e)}
    region_of = {p: f"R{p % 3}" for p in range(n_p)}
    return pd.DataFrame({
        "vacancy_id": [f"V{v}" for v, _ in pairs], "nip": [f"P{p}" for _, p in pairs],
        "region": [region_of[p] for _, p in pairs],
        "weight": rng.integers(1, 100, size=len(pairs)).astype(float),
    })


def _valid(edges: pd.DataFrame, chosen: np.ndarray, caps: dict[str, int] | None) -> None:
    picked = edges.iloc[chosen]
    assert picked["vacancy_id"].is_unique and picked["nip"].is_unique
    if caps:
        for region, n in picked["region"].value_counts().items():
            assert n <= caps[region]


@pytest.mark.parametrize("seed", range(12))
def test_optimal_equals_brute_force_and_beats_greedy(seed):
    rng = np.random.default_rng(seed)
    edges = random_edges(rng, 4, 5, 11)
    caps = {"R0": 1, "R1": 1, "R2": 2} if seed % 2 else None
    best = optimal_assignment(edges, caps)
    greedy = greedy_assignment(edges, caps)
    _valid(edges, best.chosen, caps)
    _valid(edges, greedy.chosen, caps)
    assert best.total == pytest.approx(brute_force(edges, caps))
    assert best.total >= greedy.total - 1e-9


def test_optimal_beats_greedy_where_greedy_is_myopic():
    # Greedy takes A-x (10) and leaves B unfilled; optimal takes A-y + B-x = 9 + 9.
    edges = pd.DataFrame({"vacancy_id": ["A", "A", "B"], "nip": ["x", "y", "x"], "region": ["r"] * 3,
                          "weight": [10.0, 9.0, 9.0]})
    assert greedy_assignment(edges).total == 10
    assert optimal_assignment(edges).total == 18


def test_region_cap_binds():
    # Both best people come from region R; the cap allows one away, so the second vacancy takes S's person.
    edges = pd.DataFrame({
        "vacancy_id": ["V1", "V2", "V1", "V2"], "nip": ["r1", "r2", "s1", "s1"],
        "region": ["R", "R", "S", "S"], "weight": [90.0, 90.0, 50.0, 60.0],
    })
    free = optimal_assignment(edges)
    capped = optimal_assignment(edges, {"R": 1, "S": 5})
    assert free.total == 180 and free.method == "bipartite_matching"
    assert capped.total == 150 and capped.method == "capped_lp"
    picked = edges.iloc[capped.chosen]
    assert (picked["region"] == "R").sum() == 1
    assert set(picked["nip"]) == {"r1", "s1"} or set(picked["nip"]) == {"r2", "s1"}


def test_region_caps_floor_the_share():
    assert region_caps(pd.Series({"A": 10, "B": 4, "C": 5}), 0.2) == {"A": 2, "B": 0, "C": 1}


def test_empty_and_non_positive_weights():
    empty = pd.DataFrame({"vacancy_id": [], "nip": [], "region": [], "weight": []})
    assert optimal_assignment(empty).total == 0
    bad = pd.DataFrame({"vacancy_id": ["V"], "nip": ["p"], "region": ["r"], "weight": [0.0]})
    with pytest.raises(Exception, match="positive"):
        optimal_assignment(bad)


def test_a_fractional_lp_answer_falls_back_to_branch_and_bound(monkeypatch):
    # The capped LP is solved by dual simplex (its vertices are 0/1); should HiGHS ever hand back a
    # fractional point, the 0/1 program is solved instead, with the same optimum.
    from types import SimpleNamespace

    from talenta.scoring import matching

    edges = pd.DataFrame({
        "vacancy_id": ["V1", "V2", "V1", "V2"], "nip": ["r1", "r2", "s1", "s1"],
        "region": ["R", "R", "S", "S"], "weight": [90.0, 90.0, 50.0, 60.0],
    })
    monkeypatch.setattr(matching, "linprog", lambda c, **kw: SimpleNamespace(status=0, x=np.full(len(c), 0.5)))
    capped = optimal_assignment(edges, {"R": 1, "S": 5})
    assert capped.total == 150 and capped.method == "capped_milp"
