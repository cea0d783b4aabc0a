"""CLI (`talenta reports ...`) and the Airflow plugin's shape."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from talenta.reports.access import principal_for_token
from talenta.reports.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_token_command_prints_a_token_and_its_digest_entry(capsys):
    assert main(["token", "--scope", "d3578"]) == 0
    out = capsys.readouterr().out.splitlines()
    token = out[0].rsplit(" ", 1)[1]
    entry = json.loads(out[1].split(": ", 1)[1])
    assert token not in out[1] and entry["scope"] == "D3578"
    assert principal_for_token(token, [entry]).scope == "D3578"


def test_list_command_filters_by_scope(built, capsys):
    assert main(["list", "--out", str(built), "--scope", "D35"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines and all(line.split()[0] == "D35" for line in lines)


def test_plugin_registers_the_app_and_a_view_without_heavy_imports():
    code = ("import sys; sys.path.insert(0, 'plugins'); import talenta_reports as p; "
            "pl = p.TalentaReportsPlugin; print(pl.fastapi_apps[0]['url_prefix'], pl.external_views[0]['href'], "
            "'pandas' in sys.modules, 'great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["/talenta-reports", "/talenta-reports/", "False", "False"]
    assert importlib.util.find_spec("talenta.reports.portal") is not None
