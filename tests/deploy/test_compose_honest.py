"""docker-compose.yaml and Dockerfile agree with the topology the Celery integration test runs.

The compose file cannot be run here (no Docker engine), so these tests hold it to the contract in
talenta.deploy.topology: same services and commands, same executor and fixed settings, every per-host
setting present and secrets only from .env, every path setting mounted.
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

import pytest
import yaml

from talenta import settings
from talenta.deploy import compose, topology

ROOT = settings.home()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
SERVICES = COMPOSE["services"]
COMMON_ENV = COMPOSE["x-airflow-common"]["environment"]
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def _mounts(service: dict) -> dict[str, str]:
    """Container path -> source of a service's volumes."""
    out = {}
    for vol in service.get("volumes", []):
        source, target = vol.split(":")[:2]
        out[target] = source
    return out


def test_services_are_the_topology_plus_infrastructure():
    expected = set(topology.AIRFLOW_SERVICES) | set(topology.INFRA_SERVICES) | {topology.INIT_SERVICE}
    assert set(SERVICES) == expected
    assert set(topology.DEFAULT_SERVICES) <= set(topology.AIRFLOW_SERVICES)


@pytest.mark.parametrize("service", sorted(topology.AIRFLOW_SERVICES))
def test_airflow_service_runs_the_same_command(service):
    spec = SERVICES[service]
    command = spec["command"]
    args = tuple(shlex.split(command) if isinstance(command, str) else command)
    assert args == topology.AIRFLOW_SERVICES[service]
    assert spec.get("image") == COMPOSE["x-airflow-common"]["image"], "every Airflow service uses the one image"


@pytest.mark.parametrize("service", sorted([*topology.AIRFLOW_SERVICES, topology.INIT_SERVICE]))
def test_airflow_service_carries_common_env_and_mounts(service):
    spec = SERVICES[service]
    env = spec["environment"]
    for key, value in COMMON_ENV.items():
        assert env.get(key) == value, f"{service} lacks or changes {key}"
    assert _mounts(spec) == _mounts(COMPOSE["x-airflow-common"])


def test_fixed_settings_equal_topology():
    for key, value in topology.FIXED_ENV.items():
        assert str(COMMON_ENV.get(key)) == value, key
    assert COMMON_ENV["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_env_names_agree_both_ways():
    contract = set(topology.FIXED_ENV) | set(topology.HOST_ENV_NAMES) | set(topology.PATH_ENV)
    allowed = contract | set(topology.COMPOSE_ONLY_ENV_NAMES)
    assert contract <= set(COMMON_ENV), f"compose misses {sorted(contract - set(COMMON_ENV))}"
    assert set(COMMON_ENV) <= allowed, f"compose sets undeclared {sorted(set(COMMON_ENV) - allowed)}"


def test_topology_env_sets_the_same_names_and_values(tmp_path):
    topo = topology.Topology(root=tmp_path)
    env = topo.build_env()
    for key, value in topology.FIXED_ENV.items():
        assert env[key] == value
    for key in (*topology.HOST_ENV_NAMES, *topology.PATH_ENV, *topology.TOPOLOGY_ONLY_ENV_NAMES):
        assert env.get(key), key
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith(topo.metadata_db)
    assert env["TALENTA_WAREHOUSE_URL"].endswith(topo.warehouse_db)
    assert env["AIRFLOW__CORE__FERNET_KEY"] != topology.Topology(root=tmp_path).build_env()["AIRFLOW__CORE__FERNET_KEY"]


def test_services_point_at_compose_services():
    assert COMMON_ENV["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert "@postgres/" in COMMON_ENV["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert COMMON_ENV["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "@warehouse-db:" in COMMON_ENV["TALENTA_WAREHOUSE_URL"]
    assert COMMON_ENV["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:")


def test_every_path_setting_is_mounted():
    mounts = _mounts(COMPOSE["x-airflow-common"])
    named = set(COMPOSE["volumes"])
    for key, folder in topology.PATH_ENV.items():
        path = PurePosixPath(COMMON_ENV[key])
        hits = [t for t in mounts if path == PurePosixPath(t) or PurePosixPath(t) in path.parents]
        assert hits, f"{key}={path} is not on a mounted volume"
        source = mounts[hits[0]]
        if (ROOT / folder).is_dir() and folder in ("dags", "plugins", "config"):
            assert source == f"./{folder}", f"{key} must mount the project's {folder}/ folder"
        else:
            assert source in named, f"{key} must be on a named shared volume, got {source}"
    lake = [t for t, s in mounts.items() if s == "talenta-data"]
    assert lake == [COMMON_ENV["TALENTA_DATA_DIR"]], "the lake is one shared volume at TALENTA_DATA_DIR"


def test_secrets_only_from_env_file():
    for name in topology.SECRET_ENV_NAMES:
        assert INTERPOLATION.fullmatch(COMMON_ENV[name]), f"{name} must be ${{{name}}} from .env"
    text = (ROOT / "docker-compose.yaml").read_text()
    referenced = set(INTERPOLATION.findall(text))
    assert referenced <= set(compose.ENV_NAMES), f"not generated by write_env: {referenced - set(compose.ENV_NAMES)}"
    example = compose.read_env(ROOT / ".env.example")
    assert set(example) == set(compose.ENV_NAMES)
    for name in compose.SECRET_NAMES:
        assert example[name] == "", f".env.example must not hold a value for secret {name}"
    for key, value in COMMON_ENV.items():
        if ("PASSWORD" in key or "SECRET" in key or "FERNET" in key) and not key.endswith("_FILE"):
            assert "${" in str(value), f"{key} is a literal secret"


def test_every_long_running_service_has_a_healthcheck():
    for name, spec in SERVICES.items():
        if name != topology.INIT_SERVICE:
            assert "test" in spec.get("healthcheck", {}), f"{name} has no healthcheck"


def test_dockerfile_installs_the_lock_and_no_runtime_pip():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM\s+(\S+)", dockerfile, re.M).group(1)
    assert base.startswith(("python:3.11", "apache/airflow:3.3.2-python3.11"))
    assert re.search(r"uv (sync|export) --frozen", dockerfile)
    assert "--no-dev" in dockerfile
    for text in (dockerfile, (ROOT / "docker-compose.yaml").read_text()):
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in text.replace("No _PIP_ADDITIONAL_REQUIREMENTS", "")
