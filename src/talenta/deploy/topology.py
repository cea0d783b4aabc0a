"""The production topology without Docker: Airflow with CeleryExecutor on this machine's Redis and PostgreSQL.

``docker-compose.yaml`` runs these services in containers; here the same Airflow commands run as plain
processes, each in its own process group with its log in ``<run dir>/logs/<service>.log``:

* ``airflow-apiserver`` (REST API v2, UI, execution API), ``airflow-scheduler``, ``airflow-dag-processor``,
  ``airflow-worker`` (Celery, concurrency 2), and optionally ``airflow-triggerer``;
* metadata in a fresh PostgreSQL database ``talenta_af_<id>``, the SQL warehouse in ``talenta_wh_<id>``
  (both dropped by :meth:`Topology.stop` unless asked to keep them);
* Celery broker on Redis, on a dedicated db number and a queue named after the run, so two topologies
  (two engineers, two CI jobs) on one Redis never take each other's tasks.

The module-level constants are the contract ``tests/deploy/test_compose_honest.py`` checks the compose
file against: service names and commands, fixed settings, per-host setting names and mounted paths.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from talenta import runtime, settings

# Compose service name -> arguments of the ``airflow`` command it runs (identical in docker-compose.yaml).
AIRFLOW_SERVICES: dict[str, tuple[str, ...]] = {
    "airflow-apiserver": ("api-server",),
    "airflow-scheduler": ("scheduler",),
    "airflow-dag-processor": ("dag-processor",),
    "airflow-worker": ("celery", "worker"),
    "airflow-triggerer": ("triggerer",),
}
# No Talenta task defers, so the triggerer is optional here (it costs a process on a 2-core machine);
# compose runs it so that deferrable provider operators work in production.
DEFAULT_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker")
# Compose services that are not Airflow processes: here they are the machine's own Redis/PostgreSQL,
# and the one-shot ``airflow-init`` is :meth:`Topology.start`'s migrate step.
INFRA_SERVICES = ("postgres", "redis", "warehouse-db")
INIT_SERVICE = "airflow-init"

# Settings with the same value in compose and here.
FIXED_ENV: dict[str, str] = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
    "AIRFLOW__CORE__PARALLELISM": "8",
    "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "4",
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
    "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
    "AIRFLOW__CORE__MAX_MAP_LENGTH": "1024",
    # Airflow's Celery settings, plus Great Expectations imported once per worker (not once per task).
    "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "talenta.deploy.celery_config.CELERY_CONFIG",
}
# Settings whose value depends on the host (URLs, secrets, paths): compose must set each of them too.
HOST_ENV_NAMES = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "TALENTA_WAREHOUSE_URL",
    "TALENTA_HOME",
)
# Secrets among them: in compose they must come from ``.env`` (``${NAME}``), never a literal.
SECRET_ENV_NAMES = ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY")
# Path settings -> the project folder (or shared volume) they point at; compose mounts each of them.
PATH_ENV: dict[str, str] = {
    "AIRFLOW__CORE__DAGS_FOLDER": "dags",
    "AIRFLOW__CORE__PLUGINS_FOLDER": "plugins",
    "TALENTA_CONFIG_DIR": "config",
    "TALENTA_DATA_DIR": "data",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "logs",
}
# Only in compose: the admin password file airflow-init writes from ``.env``
# (here the api-server generates it in AIRFLOW_HOME and the client reads it from there).
COMPOSE_ONLY_ENV_NAMES = ("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",)
# Only here: ports and the Celery queue are made unique so parallel topologies on one machine do not collide.
TOPOLOGY_ONLY_ENV_NAMES = (
    "AIRFLOW__API__HOST",
    "AIRFLOW__API__PORT",
    "AIRFLOW__OPERATORS__DEFAULT_QUEUE",
    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT",
    "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT",
)

# Tuning for tests and benchmarks (never compose): a tiny nation finishes in seconds per task, so the
# default pacing (dag folder rescan every 300 s, heartbeats every 5 s, 5 min retry delays) would dominate.
QUICK_ENV: dict[str, str] = {
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
    "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
    "AIRFLOW__SCHEDULER__POOL_METRICS_INTERVAL": "30",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
    "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "2",
    "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "5",
    "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "5",
    # Read by talenta.dagkit.DEFAULT_ARGS: Talenta DAGs set retry_delay themselves, so the Airflow
    # default above does not reach them.
    "TALENTA_RETRY_DELAY_S": "5",
}

PG_ADMIN_DSN = os.environ.get("TALENTA_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TALENTA_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("TALENTA_REDIS_DB", "11"))


class TopologyError(RuntimeError):
    """The topology could not start or a service died; the message names the service and its log file."""


class ServiceUnavailable(TopologyError):
    """Redis or PostgreSQL is not reachable on this machine."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_url(dsn: str, database: str) -> str:
    """``dsn`` with its database name replaced."""
    base = dsn.rsplit("/", 1)[0]
    return f"{base}/{database}"


def check_services(pg_admin_dsn: str = PG_ADMIN_DSN, redis_url: str = REDIS_URL) -> None:
    """Raise :class:`ServiceUnavailable` naming the service when Redis or PostgreSQL does not answer."""
    import psycopg2
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        raise ServiceUnavailable(
            f"Redis at {redis_url} does not answer ({exc}); start redis-server or set TALENTA_REDIS_URL"
        ) from exc
    try:
        psycopg2.connect(pg_admin_dsn, connect_timeout=3).close()
    except Exception as exc:
        raise ServiceUnavailable(
            f"PostgreSQL at {pg_admin_dsn} does not answer ({exc}); start PostgreSQL or set TALENTA_PG_ADMIN_DSN"
        ) from exc


def admin_sql(pg_admin_dsn: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
    import psycopg2

    conn = psycopg2.connect(pg_admin_dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for stmt in statements:
                cur.execute(stmt)
    finally:
        conn.close()


def deploy_env(
    *,
    metadata_url: str,
    broker_url: str,
    result_backend: str,
    execution_api_url: str,
    warehouse_url: str,
    secrets: dict[str, str],
    paths: dict[str, str],
) -> dict[str, str]:
    """The distributed-deployment settings (fixed + per-host), as compose and the topology both set them."""
    env = dict(FIXED_ENV)
    env.update({
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": execution_api_url,
        "TALENTA_WAREHOUSE_URL": warehouse_url,
    })
    missing = [name for name in SECRET_ENV_NAMES if not secrets.get(name)]
    if missing:
        raise ValueError(f"deploy_env: secrets {missing} are missing; generate them with compose.new_secrets()")
    env.update({name: secrets[name] for name in SECRET_ENV_NAMES})
    unknown = set(paths) ^ set(PATH_ENV)
    if unknown:
        raise ValueError(f"deploy_env: paths must be exactly {sorted(PATH_ENV)}, got {sorted(paths)}")
    env.update(paths)
    return env


@dataclass
class Topology:
    """One Celery deployment of Airflow on this machine; use as a context manager so it always stops.

    ``root`` holds ``airflow_home/``, ``logs/`` (one file per service) and ``data/`` (the lake) unless
    ``data_dir`` points elsewhere. ``extra_env`` is added to every process (e.g. a secrets backend for the
    sources' connections).
    """

    root: Path
    dags_folder: Path | None = None
    data_dir: Path | None = None
    services: tuple[str, ...] = DEFAULT_SERVICES
    extra_env: dict[str, str] = field(default_factory=dict)
    pg_admin_dsn: str = PG_ADMIN_DSN
    redis_url: str = REDIS_URL
    redis_db: int = REDIS_DB
    keep_databases: bool = False
    name: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self.metadata_db = f"talenta_af_{self.name}"
        self.warehouse_db = f"talenta_wh_{self.name}"
        self.queue = f"talenta-{self.name}"
        self.api_port = free_port()
        self.env: dict[str, str] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        self._created_dbs: list[str] = []

    # -- addresses -------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """Base URL of the api-server."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def warehouse_url(self) -> str:
        """SQLAlchemy URL of this topology's PostgreSQL warehouse."""
        return pg_url(self.pg_admin_dsn, self.warehouse_db).replace("postgresql://", "postgresql+psycopg2://")

    @property
    def log_dir(self) -> Path:
        """Folder of the per-service log files."""
        return self.root / "logs"

    def log_file(self, service: str) -> Path:
        """Log file of one service."""
        return self.log_dir / f"{service}.log"

    def passwords_file(self) -> Path:
        """Where the api-server's SimpleAuthManager writes the generated admin password."""
        return Path(self.env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"

    # -- lifecycle -------------------------------------------------------------------------------
    def build_env(self) -> dict[str, str]:
        """Environment of every process of this topology (no secret is ever logged)."""
        from talenta.deploy.compose import new_secrets

        home = settings.home()
        data = Path(self.data_dir or self.root / "data")
        base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        base["AIRFLOW_HOME"] = str(self.root / "airflow_home")
        meta = pg_url(self.pg_admin_dsn, self.metadata_db)
        env = runtime.airflow_env(base)
        env.update(deploy_env(
            metadata_url=meta.replace("postgresql://", "postgresql+psycopg2://"),
            broker_url=f"{self.redis_url}/{self.redis_db}",
            result_backend="db+" + meta,
            execution_api_url=f"{self.api_url}/execution/",
            warehouse_url=self.warehouse_url,
            secrets={k: v for k, v in new_secrets().items() if k in SECRET_ENV_NAMES},
            paths={
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder or home / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
                "TALENTA_CONFIG_DIR": str(settings.config_dir()),
                "TALENTA_DATA_DIR": str(data),
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.root / "airflow_logs"),
            },
        ))
        env.update({
            # Loopback only: this is a shared development machine, not a server.
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
            "TALENTA_HOME": str(home),
        })
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 180.0) -> Topology:
        """Create the databases, migrate the metadata, start every service and wait until they are ready."""
        check_services(self.pg_admin_dsn, self.redis_url)
        unknown = [s for s in self.services if s not in AIRFLOW_SERVICES]
        if unknown:
            raise TopologyError(f"unknown services {unknown}; known: {sorted(AIRFLOW_SERVICES)}")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = self.build_env()
        Path(self.env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
        Path(self.env["TALENTA_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        try:
            for db in (self.metadata_db, self.warehouse_db):
                admin_sql(self.pg_admin_dsn, f'CREATE DATABASE "{db}"')
                self._created_dbs.append(db)
            done = runtime.airflow_cli("db", "migrate", env=self.env, check=False)
            self.log_file(INIT_SERVICE).write_text(done.stdout + done.stderr)
            if done.returncode != 0:
                raise TopologyError(f"airflow db migrate failed; see {self.log_file(INIT_SERVICE)}:\n"
                                    f"{done.stderr[-2000:]}")
            for service in self.services:
                self._spawn(service)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, service: str) -> None:
        exe = Path(sys.executable).with_name("airflow")
        log = open(self.log_file(service), "ab")  # noqa: SIM115 - the child owns it for its whole life
        try:
            # A new session makes the service a process-group leader, so stop() reaches its children
            # (gunicorn/uvicorn workers, Celery pool processes, task supervisors) too.
            self.procs[service] = subprocess.Popen(
                [str(exe), *AIRFLOW_SERVICES[service]], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.root,
            )
        finally:
            log.close()

    def _check_alive(self) -> None:
        for service, proc in self.procs.items():
            if proc.poll() is not None:
                tail = self.log_file(service).read_text(errors="replace")[-3000:]
                raise TopologyError(f"{service} exited with code {proc.returncode}; log "
                                    f"{self.log_file(service)} ends with:\n{tail}")

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Wait until the api-server reports healthy components and the Celery worker is ready."""
        import httpx

        deadline = time.monotonic() + timeout
        want = {"metadatabase", "scheduler"}
        if "airflow-dag-processor" in self.services:
            want.add("dag_processor")
        if "airflow-triggerer" in self.services:
            want.add("triggerer")
        last = "no answer yet"
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                health = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
                unhealthy = sorted(k for k in want if (health.get(k) or {}).get("status") != "healthy")
                last = f"unhealthy: {unhealthy}" if unhealthy else "healthy"
            except (httpx.HTTPError, ValueError) as exc:
                unhealthy, last = ["api"], f"api-server not answering ({type(exc).__name__})"
            worker_ready = "airflow-worker" not in self.services or b" ready." in self.log_file(
                "airflow-worker").read_bytes()
            if not unhealthy and worker_ready and self.passwords_file().exists():
                return
            time.sleep(1.0)
        raise TopologyError(f"topology not ready after {timeout:.0f}s ({last}); logs in {self.log_dir}")

    def client(self):
        """An authenticated REST API v2 client as the admin user."""
        from talenta.deploy.client import AirflowClient

        return AirflowClient.from_passwords_file(self.api_url, self.passwords_file(), username="admin")

    def stop(self, grace: float = 20.0) -> None:
        """Stop every process group started here (TERM, then KILL), then drop the databases and queue."""
        import psutil

        # Airflow's task processes start sessions of their own, out of reach of killpg: note every
        # descendant now, while the tree is intact, and KILL those still alive at the end.
        descendants = []
        for proc in self.procs.values():
            with contextlib.suppress(psutil.Error):
                descendants += psutil.Process(proc.pid).children(recursive=True)
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Even when the leader exited, children of its group may linger: KILL the whole group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        # KILLed group members (reparented task supervisors, pool workers) take a moment to disappear on a
        # loaded machine: wait until no group is left, so "nothing left behind" holds when stop() returns.
        gone_by = time.monotonic() + 15
        for proc in self.procs.values():
            while time.monotonic() < gone_by:
                try:
                    os.killpg(proc.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
        for child in descendants:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(descendants, timeout=10)
        self.procs.clear()
        self._drop_queue()
        if not self.keep_databases:
            while self._created_dbs:
                db = self._created_dbs.pop()
                with contextlib.suppress(Exception):
                    admin_sql(self.pg_admin_dsn, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    def _drop_queue(self) -> None:
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(f"{self.redis_url}/{self.redis_db}", socket_connect_timeout=3)
            keys = [self.queue, *client.scan_iter(match=f"*{self.queue}*")]
            client.delete(*keys)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
