"""``talenta synth``: build (default), serve or advance a synthetic world.

Wire it into the main parser with ``talenta.synth.cli.register(subparsers)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``synth`` command (actions build | serve | advance) to a ``talenta`` sub-parser set."""
    p = subparsers.add_parser("synth", help="build, serve or advance the synthetic national source systems",
                              description=__doc__)
    p.add_argument("action", nargs="?", default="build", choices=("build", "serve", "advance"))
    p.add_argument("--out", "--root", dest="out", type=Path, help="world folder (default: $TALENTA_SOURCES_DIR)")
    p.add_argument("--scale", type=float, default=0.01, help="1.0 = the nation (~4.7 M ASN); default 0.01")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--snapshot-date", type=dt.date.fromisoformat, default=None,
                   help="snapshot date YYYY-MM-DD (default 2025-12-01)")
    p.add_argument("--sources", default=None, help="comma-separated source ids (default: all registered)")
    p.add_argument("--mariadb-url", default=None, help="put sql_db sources in MariaDB, e.g. mysql://root@127.0.0.1:3306")
    p.add_argument("--defect-rate", type=float, default=None, help="share of rows per row-defect class")
    p.add_argument("--no-faults", action="store_true", help="REST sources never fail")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--port", type=int, default=0, help="serve: port on 127.0.0.1 (0 = any free port)")
    p.add_argument("--days", type=int, default=1, help="advance: number of nightly snapshots")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Execute a parsed ``synth`` command; returns the exit code."""
    from talenta.settings import sources_dir
    from talenta.synth import defects, server, world

    out = args.out or sources_dir()
    if args.action == "serve":
        server.serve(out, args.port)
        return 0
    if args.action == "advance":
        started = time.perf_counter()
        doc = world.advance(out, args.days, workers=args.workers)
        print(f"talenta synth: advanced {out} to {doc['snapshot_date']} in {time.perf_counter() - started:.1f} s")
        return 0
    rates = defects.DefectRates() if args.defect_rate is None else defects.DefectRates(row=args.defect_rate)
    opts = world.BuildOptions(
        out=out, scale=args.scale, seed=args.seed, snapshot_date=args.snapshot_date or world.DEFAULT_SNAPSHOT,
        sources=tuple(args.sources.split(",")) if args.sources else None, mariadb_url=args.mariadb_url,
        rates=rates, faults=not args.no_faults, workers=args.workers,
    )
    started = time.perf_counter()
    doc = world.build(opts)
    print(json.dumps({"out": str(out), "sources": len(doc["sources"]), "scale": doc["scale"],
                      "seconds": round(time.perf_counter() - started, 1)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: ``python -m talenta.synth.cli [build|serve|advance] ...``."""
    parser = argparse.ArgumentParser(prog="talenta")
    register(parser.add_subparsers(dest="command", required=True))
    import sys

    args = parser.parse_args(["synth", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
