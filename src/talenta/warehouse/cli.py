"""``talenta query`` and ``talenta merge``: the warehouse from the command line."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``query`` and ``merge`` commands to the ``talenta`` CLI."""
    q = subparsers.add_parser("query", help="run SQL against the warehouse and print the result as a table")
    q.add_argument("sql", help="the SQL to run, e.g. \"select count(*) from employee_current\"")
    q.add_argument("--url", help="warehouse URL (default TALENTA_WAREHOUSE_URL)")
    q.add_argument("--schema", help="schema to read (default main / public)")
    q.add_argument("--limit", type=int, default=50, help="rows to print (default 50)")
    q.set_defaults(func=_query)
    m = subparsers.add_parser("merge", help="merge the lake into the warehouse (build, audit, publish)")
    m.add_argument("--url", help="warehouse URL (default TALENTA_WAREHOUSE_URL)")
    m.add_argument("--schema", help="target schema (default main / public)")
    m.add_argument("--logical-date", help="date of the gold partition (default: the newest logical date with run records in the lake)")
    m.add_argument("--no-gold", action="store_true", help="do not write gold Parquet")
    m.add_argument("--full", action="store_true",
                   help="rebuild every table from all lake partitions (default: facts incrementally on DuckDB)")
    m.set_defaults(func=_merge)


def _query(args: argparse.Namespace) -> int:
    from talenta.warehouse.db import Warehouse

    with Warehouse(args.url, schema=args.schema, read_only=not args.url or args.url.startswith("duckdb")) as wh:
        df = wh.query_df(args.sql)
    import pandas as pd

    with pd.option_context("display.max_columns", None, "display.width", 200):
        print(df.head(args.limit).to_string(index=False))
    if len(df) > args.limit:
        print(f"... {len(df) - args.limit} more rows (use --limit)")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from talenta.warehouse.audit import AuditError
    from talenta.warehouse.merge import merge

    try:
        result = merge(args.url, schema=args.schema, logical_date=args.logical_date, write_gold=not args.no_gold,
                       incremental=not args.full)
    except AuditError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result.as_dict(), indent=2, default=str))
    return 0
