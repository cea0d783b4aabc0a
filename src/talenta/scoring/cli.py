"""``talenta score``: run the nightly talent scoring from the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score`` command to the ``talenta`` CLI."""
    s = subparsers.add_parser("score", help="nightly talent scoring: 9-box, pools, mobility, fairness audit")
    s.add_argument("--scored-on", default=None, help="scoring date YYYY-MM-DD (default today)")
    s.add_argument("--run-id", default=None, help="run id (default score_<scored-on>); a re-run replaces it")
    s.add_argument("--rules", default=None, help="rule version in config/scoring (default the latest)")
    s.add_argument("--url", default=None, help="warehouse URL (default TALENTA_WAREHOUSE_URL)")
    s.add_argument("--report-dir", default=None, help="where the fairness report goes (default reports/scoring)")
    s.set_defaults(func=_score)


def _score(args: argparse.Namespace) -> int:
    from talenta.scoring.pipeline import run

    scored_on = args.scored_on or dt.date.today().isoformat()
    summary = run(args.run_id or f"score_{scored_on}", scored_on, rule_version=args.rules, url=args.url,
                  report_dir=args.report_dir)
    print(json.dumps(summary, indent=2, default=str))
    return 0
