"""``talenta sync`` (run a shard or sources outside Airflow) and ``talenta registry`` (list/build/show)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _cmd_sync(args: argparse.Namespace) -> int:
    from talenta.sources.registry import load_registry
    from talenta.sources.shards import plan_shards, select_sources
    from talenta.sources.sync import sync_shard, world_info

    world = Path(args.world) if args.world else None
    info = world_info(world) if world else {}
    day = args.date or info.get("snapshot_date")
    if not day:
        raise SystemExit("talenta sync: give --date YYYY-MM-DD (or --world, whose snapshot date is used)")
    wanted = [s for s in (args.sources or "").split(",") if s] or info.get("sources") or []
    shards = plan_shards(select_sources(load_registry(), wanted))
    if args.shard:
        shards = [s for s in shards if s["name"] == args.shard]
        if not shards:
            raise SystemExit(f"talenta sync: no shard {args.shard!r}; see `talenta registry shards`")
    failed = 0
    for shard in shards:
        summary = sync_shard(shard["sources"], day, shard=shard["name"], world=world,
                             lake_root=Path(args.lake) if args.lake else None, full=args.full)
        failed += len(summary["failed"])
        print(json.dumps(summary, sort_keys=True))
    return 1 if failed else 0


def _cmd_registry(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from talenta.sources.registry import get_source, load_registry, write_registry
    from talenta.sources.shards import plan_shards

    if args.action == "build":
        print(f"wrote {write_registry()}")
    elif args.action == "show":
        for sid in args.ids:
            print(json.dumps(asdict(get_source(sid)), indent=2))
    elif args.action == "shards":
        for shard in plan_shards(load_registry()):
            print(f"{shard['name']:<10} {shard['pool']:<14} {len(shard['sources']):>3} sources")
    else:
        for src in load_registry():
            print(f"{src.source_id:<6} {src.kind:<9} {src.dialect:<18} {src.name}")
    return 0


def register(subparsers) -> None:
    """Add ``sync`` and ``registry`` to the ``talenta`` command."""
    p = subparsers.add_parser("sync", help="sync sources (a shard, a list, or a synthetic world) for a date")
    p.add_argument("--date", help="logical date YYYY-MM-DD (default: the world's snapshot date)")
    p.add_argument("--sources", help="comma-separated source ids (default: all, or the world's)")
    p.add_argument("--shard", help="only this shard of the plan (e.g. rest-03)")
    p.add_argument("--world", help="a synthetic world folder (its connections.json and sources)")
    p.add_argument("--lake", help="lake root (default TALENTA_LAKE_DIR)")
    p.add_argument("--full", action="store_true", help="ignore watermarks and read everything")
    p.set_defaults(func=_cmd_sync)
    p = subparsers.add_parser("registry", help="list, build or show registered sources")
    p.add_argument("action", choices=["list", "build", "show", "shards"], nargs="?", default="list")
    p.add_argument("ids", nargs="*", help="source ids for `show`")
    p.set_defaults(func=_cmd_registry)
