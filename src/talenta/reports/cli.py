"""``talenta reports``: build the data-quality reports, list them, serve the portal, issue region tokens."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reports`` command (``build``, ``list``, ``serve``, ``token``) to the main CLI."""
    cmd = subparsers.add_parser("reports", help="data-quality reports per region and the reports portal")
    sub = cmd.add_subparsers(dest="reports_command", required=True)

    build = sub.add_parser("build", help="build every report for one logical date from the warehouse")
    build.add_argument("--date", required=True, help="logical date, YYYY-MM-DD")
    build.add_argument("--warehouse-url", default=None, help="default: TALENTA_WAREHOUSE_URL")
    build.add_argument("--out", type=Path, default=None, help="default: <reports_dir>/dq")
    build.add_argument("--no-missing", action="store_true", help="leave out registered sources without a sync")
    build.set_defaults(func=_build)

    lst = sub.add_parser("list", help="list the built report files and their scopes")
    lst.add_argument("--out", type=Path, default=None)
    lst.add_argument("--scope", default=None, help="only files a reader of this scope may open")
    lst.set_defaults(func=_list)

    serve = sub.add_parser("serve", help="serve the portal standalone (per-region tokens)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8795)
    serve.add_argument("--out", type=Path, default=None)
    serve.set_defaults(func=_serve)

    token = sub.add_parser("token", help="create a token for a scope (instansi id such as D3578, or BKN)")
    token.add_argument("--scope", required=True)
    token.add_argument("--name", default=None)
    token.set_defaults(func=_token)


def _build(args: argparse.Namespace) -> int:
    from talenta.reports.build import build_reports

    if args.warehouse_url:
        from talenta.warehouse.db import Warehouse

        with Warehouse(args.warehouse_url) as wh:
            path = build_reports(args.date, warehouse=wh, out_dir=args.out, include_missing=not args.no_missing)
    else:
        path = build_reports(args.date, out_dir=args.out, include_missing=not args.no_missing)
    print(f"reports for {args.date} written; index: {path}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from talenta.reports.access import Principal
    from talenta.reports.build import list_reports

    index = list_reports(args.out)
    if not index:
        print("no reports built yet; run `talenta reports build --date YYYY-MM-DD`")
        return 1
    reader = Principal("cli", args.scope) if args.scope else None
    print(f"logical date {index['logical_date']}, generated {index['generated_at']}")
    for path, meta in index["files"].items():
        if reader is None or reader.can_read(meta["scope"]):
            print(f"{meta['scope']:>8}  {meta['kind']:<9} {path}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from talenta.reports.portal import create_app

    uvicorn.run(create_app(root=args.out), host=args.host, port=args.port)
    return 0


def _token(args: argparse.Namespace) -> int:
    from talenta.reports.access import new_token

    token, entry = new_token(args.scope, args.name or args.scope)
    print(f"token (give it to the region once; it is not stored): {token}")
    print(f"add to TALENTA_REPORTS_TOKENS / TALENTA_REPORTS_TOKENS_FILE: {json.dumps(entry)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``reports`` alone (``python -m talenta.reports.cli build --date ...``) until the main CLI exists."""
    parser = argparse.ArgumentParser(prog="talenta")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["reports", *(argv if argv is not None else __import__("sys").argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
