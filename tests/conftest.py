"""Test-session set-up: an isolated embedded Airflow and data folder per session.

The environment is set before anything imports Airflow, so every test (and every subprocess it starts)
uses a throw-away SQLite metadata database and lake, never the developer's ``airflow_home/`` or ``data/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="talenta-tests-"))

os.environ["TALENTA_HOME"] = str(ROOT)
os.environ["TALENTA_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ.pop("TALENTA_LAKE_DIR", None)
os.environ.pop("TALENTA_WAREHOUSE_URL", None)
os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow_home")

from talenta import runtime  # noqa: E402  (after the environment is set)

runtime.apply_airflow_env()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


def require_service(name: str, reason: str) -> None:
    """Skip locally when a service is missing, but fail under CI: a skipped service test proves nothing."""
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required under CI and is not reachable: {reason}")
    pytest.skip(f"{name} not reachable: {reason}")


@pytest.fixture(scope="session")
def airflow_db():
    """A migrated embedded metadata database for this test session."""
    runtime.ensure_airflow_db()
    return Path(os.environ["AIRFLOW_HOME"])


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    """The project's DagBag, parsed once per session."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))
