"""sync_shard over real sources: truth per source, re-run idempotence, isolation of a failing source."""

from __future__ import annotations

import json
import socket
import uuid

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from talenta.domain.schemas import KEYS, SCHEMAS
from talenta.sources.connectors.sql import SqlConnector
from talenta.sources.dialects import get_dialect
from talenta.sources.state import SyncState
from talenta.sources.sync import sync_shard, world_info
from tests.conftest import require_service

FAST = {"backoff_s": 0.01, "max_retries": 2}


def silver(lake, entity, sid, day):
    path = lake / "silver" / f"entity={entity}" / f"source_id={sid}" / f"logical_date={day}" / "part-0.parquet"
    return pq.read_table(path) if path.exists() else None


def assert_matches_truth(world, lake, sid, day):
    for entity in SCHEMAS:
        truth = pq.read_table(world / "truth" / f"{entity}.parquet").to_pandas()
        truth = truth[truth.source_id == sid].drop(columns=["source_id"])
        table = silver(lake, entity, sid, day)
        got = (table.select(list(SCHEMAS[entity].names)).to_pandas()
               if table is not None else truth.iloc[:0])
        keys = list(KEYS[entity])
        a = truth.sort_values(keys).reset_index(drop=True).astype(str)
        b = got.sort_values(keys).reset_index(drop=True).astype(str)
        assert a.equals(b), f"{sid} {entity}: silver differs from the generator's truth"


def test_shard_matches_truth_and_rerun_is_identical(world, api, tmp_path):
    info = world_info(world)
    day, lake = info["snapshot_date"], tmp_path / "lake"
    first = sync_shard(info["sources"], day, world=world, lake_root=lake, rest_options=FAST)
    assert not first["failed"] and not first["partial"], first
    assert first["rows_extracted"] == first["rows_accepted"] + first["rows_quarantined"]
    for sid in info["sources"]:
        record = SyncState(lake).read_run_record(day, sid)
        assert record["status"] in ("success", "held") and record["run_id"] == f"sync_{day}"
        # A source's own extract time is part of its span, which also covers the shard's shared validation.
        assert 0 < record["extract_s"] <= record["duration_s"]
        for ent in record["entities"].values():
            assert ent["rows_extracted"] == ent["rows_accepted"] + ent["rows_quarantined"]
        if record["entities"]["employee"]["rows_quarantined"] == 0:
            assert_matches_truth(world, lake, sid, day)
    before = {p: p.read_bytes() for p in (lake / "silver").rglob("*.parquet")}
    again = sync_shard(info["sources"], day, world=world, lake_root=lake, rest_options=FAST)
    after = {p: p.read_bytes() for p in (lake / "silver").rglob("*.parquet")}
    assert again["rows_accepted"] == first["rows_accepted"]
    assert before == after, "a re-run of the same logical date must leave identical silver partitions"


def test_failing_source_is_isolated(world, api, set_faults, tmp_path):
    set_faults("p008", always_fail=True)
    info = world_info(world)
    day, lake = info["snapshot_date"], tmp_path / "lake"
    summary = sync_shard(["p008", "p006", "p016"], day, world=world, lake_root=lake, rest_options=FAST)
    assert list(summary["failed"]) == ["p008"] and "503" in summary["failed"]["p008"]
    assert sorted(summary["succeeded"] + summary["held"]) == ["p006", "p016"]
    record = SyncState(lake).read_run_record(day, "p008")
    assert record["status"] == "failed" and record["kind"] == "rest_api"
    assert all(e["status"] == "failed" and e["rows_extracted"] == 0 for e in record["entities"].values())
    assert silver(lake, "employee", "p008", day) is None and silver(lake, "employee", "p006", day) is not None


def test_sqlite_incremental_by_watermark(world):
    path = world / "sources" / "p001" / "simpeg.sqlite"
    with SqlConnector("p001", get_dialect("sql_simpeg_mysql"), f"sqlite:///{path}", chunk_rows=2) as sql:
        full = sql.extract("employee")
        newest = full.manifest["watermark"]
        none_newer = sql.extract("employee", since=newest)
    assert full.rows > 0 and full.table.column("source_row_ref")[0].as_py().startswith("tb_pegawai.id_pegawai=")
    assert none_newer.rows == 0 and none_newer.manifest["mode"] == "incremental"


def _mariadb_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 3306), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.integration
def test_mariadb_source_via_sql_connector(world):
    if not _mariadb_up():
        require_service("MariaDB", "nothing answers at 127.0.0.1:3306")
    import pymysql

    from talenta.synth import writers

    dialect = get_dialect("sql_simpeg_mysql")
    src = SqlConnector("p001", dialect, f"sqlite:///{world / 'sources' / 'p001' / 'simpeg.sqlite'}")
    with src.engine.connect() as conn:  # the same vendor tables, copied into a MariaDB database
        tables = {m.table: (m.key, pd.read_sql_table(m.table, conn), m.vendor_to_canonical)
                  for m in dialect.entities.values()}
    src.close()
    database = f"talenta_test_{uuid.uuid4().hex[:8]}"
    writers.write_mysql("mysql://root@127.0.0.1:3306", database, tables, dialect)
    try:
        with SqlConnector("p001", dialect, f"mysql+pymysql://root@127.0.0.1:3306/{database}", chunk_rows=3) as sql:
            ext = sql.extract("employee")
        sqlite_ext = SqlConnector("p001", dialect, f"sqlite:///{world / 'sources' / 'p001' / 'simpeg.sqlite'}"
                                  ).extract("employee")
        assert sorted(ext.table.column("nip").to_pylist()) == sorted(sqlite_ext.table.column("nip").to_pylist())
        assert ext.manifest["watermark"] == sqlite_ext.manifest["watermark"]
    finally:
        con = pymysql.connect(host="127.0.0.1", user="root")
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
        con.close()


def _drop_column(path, column: str) -> None:
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    at = rows[0].index(column)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([r[:at] + r[at + 1:] for r in rows])


def test_missing_optional_column_warns_missing_required_column_fails_its_entity(world, tmp_path):
    info = world_info(world)
    day, lake = info["snapshot_date"], tmp_path / "lake"
    drop = world / "sources" / "p006" / "drop"
    _drop_column(next(drop.glob("pegawai_*.csv")), "NAMA PENDIDIKAN")  # education_major: optional
    _drop_column(next(drop.glob("skp_*.csv")), "PREDIKAT KINERJA")  # predikat: a mandatory field
    summary = sync_shard(["p006"], day, world=world, lake_root=lake)
    record = SyncState(lake).read_run_record(day, "p006")
    emp, perf = record["entities"]["employee"], record["entities"]["performance"]
    assert emp["status"] in ("success", "held") and emp["rows_extracted"] > 0
    assert emp["rows_extracted"] == emp["rows_accepted"] + emp["rows_quarantined"]
    assert len(emp["warnings"]) == 1 and "'NAMA PENDIDIKAN'" in emp["warnings"][0]
    assert "siasn_export" in emp["warnings"][0]
    # Silver reads back with plain pyarrow/pandas (no pandas metadata in the lake) and the column is empty.
    rows = pq.read_table(lake / "silver" / "entity=employee" / "source_id=p006" / f"logical_date={day}"
                         / "part-0.parquet").to_pandas()
    assert len(rows) == emp["rows_accepted"] and rows.education_major.isna().all() and rows.name.notna().all()
    assert isinstance(rows.dq_warnings.iloc[0], (list, np.ndarray))
    assert perf["status"] == "failed" and "'PREDIKAT KINERJA'" in perf["reason"]
    assert "siasn_export" in perf["reason"] and "required" in perf["reason"]
    assert record["status"] == "partial" and "p006" in summary["partial"]
    assert silver(lake, "performance", "p006", day) is None
    bronze = lake / "bronze" / "entity=performance" / "source_id=p006" / f"logical_date={day}"
    manifest = json.loads((bronze / "_manifest.json").read_text())
    assert "'PREDIKAT KINERJA'" in manifest["error"] and manifest["rows"] > 0
