"""The ``talenta`` command: the work people do outside the Airflow UI.

Each stage adds its own sub-commands through a ``register(subparsers)`` function in its ``cli`` module;
this file only wires them together, so ``talenta --help`` lists everything the package can do.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# (module, what it adds) in the order of the data flow.
STAGE_CLIS = (
    "talenta.synth.cli",       # synth build / serve / advance
    "talenta.sources.cli",     # registry, sync
    "talenta.warehouse.cli",   # merge, query
    "talenta.scoring.cli",     # score
    "talenta.reports.cli",     # reports
    "talenta.deploy.cli",      # deploy compose-env / celery-up / pools
)


def _cmd_env(args: argparse.Namespace) -> int:
    from talenta import runtime, settings

    print(f"TALENTA_HOME={settings.home()}")
    print(f"TALENTA_DATA_DIR={settings.data_dir()}")
    print(f"TALENTA_LAKE_DIR={settings.lake_dir()}")
    print(f"TALENTA_WAREHOUSE_URL={settings.warehouse_url()}")
    for key, value in sorted(runtime.airflow_env({}).items()):
        if key.startswith("AIRFLOW") and "PASSWORD" not in key and "SECRET" not in key:
            print(f"{key}={value}")
    return 0


def _cmd_airflow(args: argparse.Namespace) -> int:
    """Run the ``airflow`` CLI with the embedded configuration."""
    from talenta import runtime

    env = runtime.apply_airflow_env()
    exe = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.execve(exe, [exe, *args.rest], env)
    return 0  # pragma: no cover


def _cmd_airflow_ui(args: argparse.Namespace) -> int:
    """Start Airflow standalone (api-server, scheduler, dag-processor, triggerer) on the embedded config."""
    from talenta import runtime

    env = runtime.apply_airflow_env()
    runtime.ensure_airflow_db(env)
    from talenta.deploy.pools import ensure_pools

    ensure_pools(env=env)
    port = env["AIRFLOW__API__PORT"]
    print(f"Airflow UI: http://127.0.0.1:{port}  (user admin, password admin; "
          f"set AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS and the password file in {env['AIRFLOW_HOME']} to change)")
    exe = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.execve(exe, [exe, "standalone"], env)
    return 0  # pragma: no cover


def _cmd_demo(args: argparse.Namespace) -> int:
    from talenta.demo import run_demo

    return run_demo(scale=args.scale, seed=args.seed, all_sources=args.all, fresh=not args.keep)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every stage's sub-commands."""
    parser = argparse.ArgumentParser(prog="talenta", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("env", help="print where data, lake, warehouse and Airflow live")
    p.set_defaults(func=_cmd_env)
    p = sub.add_parser("airflow", help="run the airflow CLI on the embedded configuration")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_cmd_airflow)
    p = sub.add_parser("airflow-ui", help="start the Airflow UI (standalone) on the embedded configuration")
    p.set_defaults(func=_cmd_airflow_ui)
    p = sub.add_parser("demo", help="build a small synthetic nation and run the nightly chain through Airflow")
    p.add_argument("--scale", type=float, default=0.005,
                   help="scale of the synthetic nation (1.0 = 4.7 M ASN; only the sampled sources are built)")
    p.add_argument("--seed", type=int, default=20261203)
    p.add_argument("--all", action="store_true", help="sync all 644 sources instead of a sample of every kind")
    p.add_argument("--keep", action="store_true", help="keep data/ from an earlier demo instead of starting fresh")
    p.set_defaults(func=_cmd_demo)

    for module_name in STAGE_CLIS:
        importlib.import_module(module_name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``talenta`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
