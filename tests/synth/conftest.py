"""Shared fixtures for the synthetic-world tests: small worlds built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from talenta.synth import defects
from talenta.synth.testing import small_world

# Every row class often enough to appear in a small world; every file defect in every source.
HEAVY = defects.DefectRates(row=0.03, truncated_file=1.0, empty_file=1.0, schema_drift_extra_column=1.0,
                            schema_drift_missing_column=1.0)


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world without any defect."""
    return small_world(tmp_path_factory.mktemp("clean"), seed=11, rates=defects.DefectRates.none())


@pytest.fixture(scope="session")
def defect_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world with heavy defect rates."""
    return small_world(tmp_path_factory.mktemp("defects"), seed=5, scale=0.004, rates=HEAVY)

