"""Shard plan and the CLI entry points."""

from __future__ import annotations

import json

import pytest

from talenta.sources.registry import load_registry
from talenta.sources.shards import plan_shards, select_sources


def test_plan_covers_every_source_once_in_stable_named_shards():
    shards = plan_shards(load_registry())
    ids = [sid for s in shards for sid in s["sources"]]
    assert sorted(ids) == sorted(s.source_id for s in load_registry() if s.enabled)
    assert 10 <= len(shards) <= 60 and all(len(s["sources"]) <= 25 for s in shards)
    assert {s["name"].split("-")[0] for s in shards} == {"rest", "sql", "files"}
    assert plan_shards(load_registry()) == shards
    assert all(s["pool"] == {"rest_api": "talenta_rest", "sql_db": "talenta_sql",
                             "file_drop": "talenta_files"}[s["kind"]] for s in shards)


def test_select_unknown_source_is_named():
    with pytest.raises(KeyError, match="zz999"):
        select_sources(load_registry(), ["p001", "zz999"])


def test_cli_sync_one_source_of_a_world(world, tmp_path, capsys):
    from talenta.cli import main
    from talenta.sources.state import SyncState
    from talenta.sources.sync import world_info

    lake = tmp_path / "lake"
    code = main(["sync", "--world", str(world), "--sources", "p006", "--lake", str(lake)])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and summary["succeeded"] == ["p006"]
    assert SyncState(lake).read_run_record(world_info(world)["snapshot_date"], "p006")["status"] == "success"
