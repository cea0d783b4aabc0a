"""``talenta deploy``: write the compose ``.env``, start the Celery topology on this machine, set the pools."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


def _compose_env(args: argparse.Namespace) -> int:
    from talenta.deploy.compose import write_env

    path = write_env(args.path, force=args.rotate)
    # Only the path: the values are secrets.
    print(f"wrote {path} (mode 0600); keep it out of git; `docker compose up -d` reads it")
    return 0


def _celery_up(args: argparse.Namespace) -> int:
    from talenta.deploy.pools import ensure_pools
    from talenta.deploy.topology import DEFAULT_SERVICES, Topology

    services = DEFAULT_SERVICES + (("airflow-triggerer",) if args.triggerer else ())
    root = Path(args.root).resolve()
    topo = Topology(root=root, services=services, keep_databases=args.keep_databases)
    print(f"starting {', '.join(services)} (logs in {topo.log_dir}) ...", flush=True)
    topo.start(timeout=args.timeout)
    try:
        with topo.client() as client:
            ensure_pools(client)
        print(f"Airflow (CeleryExecutor) is up: {topo.api_url}  user admin, password in {topo.passwords_file()}")
        print(f"metadata db {topo.metadata_db}, warehouse {topo.warehouse_db}; Ctrl-C stops every process",
              flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            topo._check_alive()
            time.sleep(5)
    except KeyboardInterrupt:
        return 0
    finally:
        topo.stop()
        print("stopped every process; databases " + ("kept" if args.keep_databases else "dropped"))


def _pools(args: argparse.Namespace) -> int:
    from talenta.deploy.pools import ensure_pools

    if args.api_url:
        from talenta.deploy.client import AirflowClient

        with AirflowClient.from_passwords_file(args.api_url, args.passwords_file, username=args.user) as client:
            sizes = ensure_pools(client)
    else:
        from talenta import runtime

        sizes = ensure_pools(env=runtime.airflow_env())
    for name, slots in sizes.items():
        print(f"{name}: {slots} slots")
    return 0


def register(subparsers) -> None:
    """Add the ``deploy`` command (actions compose-env, celery-up, pools) to the ``talenta`` CLI."""
    deploy = subparsers.add_parser("deploy", help="production deployment: compose .env, Celery topology, pools")
    actions = deploy.add_subparsers(dest="action", required=True)

    p = actions.add_parser("compose-env", help="write .env with generated secrets for docker-compose")
    p.add_argument("--path", default=".env")
    p.add_argument("--rotate", action="store_true",
                   help="replace existing secrets (re-encrypt Connections first: see docs/operations.md)")
    p.set_defaults(func=_compose_env)

    p = actions.add_parser("celery-up", help="run Airflow with CeleryExecutor on this machine's Redis + PostgreSQL")
    p.add_argument("--root", default="airflow_celery", help="folder for AIRFLOW_HOME, logs and the lake")
    p.add_argument("--triggerer", action="store_true", help="also run the triggerer")
    p.add_argument("--keep-databases", action="store_true", help="do not drop the metadata/warehouse databases")
    p.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for the services")
    p.set_defaults(func=_celery_up)

    p = actions.add_parser("pools", help="create or resize the talenta_* pools")
    p.add_argument("--api-url", help="through the REST API of this api-server (default: the airflow CLI)")
    p.add_argument("--passwords-file", default="airflow_home/simple_auth_manager_passwords.json.generated")
    p.add_argument("--user", default="admin")
    p.set_defaults(func=_pools)
