"""Fixtures for the issue #5 acceptance tests: one synced small nation per module, lake readers.

The nation is the real chain: the synthetic generator writes every source system (SQLite databases, drop
folders, the REST server on loopback), ``sync_shard`` extracts, harmonizes, validates with the GX suites and
writes silver, quarantine, dq and run records into a temporary lake. Tests only read what it wrote.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from talenta.synth import defects

# One source per dialect, all three kinds: p001 sql_simpeg_mysql, p016 sql_simpeg_legacy (SQLite),
# p002 simpeg_xlsx, p005 simpeg_legacy_csv (Latin-1, ';'), p006 siasn_export (file drops),
# p008 rest_siasn_like, p012 rest_simpeg_v2 (REST).
NATION = ("p001", "p002", "p005", "p006", "p008", "p012", "p016")
# With this seed the file-defect plan (drawn per source, independent of the row rates) gives every file
# class at least once while leaving the other CSV files whole: p005's discipline file is empty, p006's
# performance file is cut off, p002/p006/p012 have an extra column, p001/p008/p016 lack education_major.
SEED = 5
FILE_RATE = 0.5
# The default row rate (0.2%) leaves most classes absent from a nation of a few hundred employees, so the
# rates are raised until every row class of the manifest appears (entity-qualified keys for the small
# entities); below the hold threshold for most sources, so held and merged sources both occur.
RATES = defects.DefectRates(
    row=0.01,
    per_class={"nip_mangled": 0.02, "golongan_impossible_for_type": 0.02, "nip_wrong_length": 0.02,
               "nip_wrong_gender_digit": 0.02, "unknown_education": 0.02, "bad_encoding": 0.02,
               "discipline.inverted_dates": 0.3, "assessment.jpm_out_of_range": 0.3},
    truncated_file=FILE_RATE, empty_file=FILE_RATE, schema_drift_extra_column=FILE_RATE,
    schema_drift_missing_column=FILE_RATE,
)
SCALE = 0.003
FAST_REST = {"backoff_s": 0.01, "max_retries": 2}


def read_zone(lake: Path, zone: str, logical_date: str | None = None) -> pd.DataFrame:
    """Every partition of a lake zone in one frame, with ``entity`` and ``source_id`` from the path."""
    frames = []
    for path in sorted((lake / zone).rglob("part-0.parquet")):
        parts = dict(p.split("=", 1) for p in path.parts if "=" in p)
        if logical_date and parts.get("logical_date") != logical_date:
            continue
        frame = pq.read_table(path).to_pandas()
        frame["entity"], frame["source_id"] = parts["entity"], parts["source_id"]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["entity", "source_id"])


@dataclass
class Synced:
    """A synced world: where it is, what the sync returned and wrote."""

    world: Path
    lake: Path
    day: str
    summary: dict
    manifest: pd.DataFrame
    records: dict[str, dict]
    bronze: pd.DataFrame
    silver: pd.DataFrame
    quarantine: pd.DataFrame
    dq: pd.DataFrame


def serve(world: Path):
    """The synth REST server for ``world`` on a free loopback port (rewrites its connections.json)."""
    from talenta.synth.server import make_server

    server = make_server(world, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, thread


def sync_world(world: Path, lake: Path, sources: tuple[str, ...] | list[str] | None = None) -> Synced:
    """Run ``sync_shard`` over the world's sources (REST served for the duration) and load the lake."""
    from talenta.sources.state import SyncState
    from talenta.sources.sync import sync_shard, world_info

    info = world_info(world)
    day = info["snapshot_date"]
    sources = list(sources or info["sources"])
    server, thread = serve(world)
    try:
        summary = sync_shard(sources, day, world=world, lake_root=lake, rest_options=FAST_REST)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    state = SyncState(lake)
    records = {sid: state.read_run_record(day, sid) for sid in sources}
    manifest = pq.read_table(world / "truth" / "defects.parquet").to_pandas()
    return Synced(world, lake, day, summary, manifest, records, read_zone(lake, "bronze", day),
                  read_zone(lake, "silver", day), read_zone(lake, "quarantine", day), read_zone(lake, "dq", day))


@pytest.fixture(scope="module")
def nation(tmp_path_factory: pytest.TempPathFactory) -> Synced:
    """The small defective nation, built and synced once per module."""
    from talenta.synth.testing import small_world

    base = tmp_path_factory.mktemp("nation")
    world = small_world(base, NATION, seed=SEED, scale=SCALE, rates=RATES)
    return sync_world(world, base / "lake")


@pytest.fixture(scope="module")
def clean_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A defect-free world of a few sources (tests copy it before damaging it)."""
    from talenta.synth.testing import small_world

    base = tmp_path_factory.mktemp("clean")
    yield small_world(base, ("p001", "p005", "p006"), seed=SEED, scale=0.004, rates=defects.DefectRates.none())
