"""The embedded Airflow runtime: configuration as environment variables, inside the project.

``AIRFLOW_HOME`` is ``$TALENTA_HOME/airflow_home`` (git-ignored): SQLite metadata, LocalExecutor with a
parallelism sized for a 2-core machine, examples off, ``dags/`` and ``plugins/`` from the project. The
production deployment sets the same variables to other values (docker-compose.yaml).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from talenta import settings


def airflow_home() -> Path:
    """The embedded Airflow home (git-ignored)."""
    return Path(os.environ.get("AIRFLOW_HOME", settings.home() / "airflow_home"))


def airflow_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the embedded Airflow; explicit values already in ``base`` win."""
    env = dict(os.environ if base is None else base)
    home = Path(env.get("AIRFLOW_HOME", airflow_home()))
    root = Path(env.get("TALENTA_HOME", settings.home()))
    defaults = {
        "AIRFLOW_HOME": str(home),
        "TALENTA_HOME": str(root),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API__PORT": env.get("AIRFLOW__API__PORT", "8080"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__CORE__MAX_MAP_LENGTH": "1024",
        "AIRFLOW__SECRETS__BACKEND": env.get("AIRFLOW__SECRETS__BACKEND", ""),
        "AIRFLOW__SECRETS__BACKEND_KWARGS": env.get("AIRFLOW__SECRETS__BACKEND_KWARGS", ""),
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    return env


def apply_airflow_env() -> dict[str, str]:
    """Put the embedded Airflow configuration into this process's environment (before importing Airflow)."""
    env = airflow_env()
    os.environ.update(env)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def airflow_cli(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run the ``airflow`` command of this interpreter with the embedded configuration."""
    exe = Path(sys.executable).with_name("airflow")
    return subprocess.run([str(exe), *args], env=env or airflow_env(), check=check, text=True,
                          capture_output=True)


def ensure_airflow_db(env: dict[str, str] | None = None) -> None:
    """Create or migrate the embedded metadata database (idempotent, a few seconds when up to date)."""
    env = env or airflow_env()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    done = airflow_cli("db", "migrate", env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
