"""Real SQLite and MariaDB source databases, same-seed determinism, nightly advance and the CLI."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import uuid
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from talenta.domain import golongan
from talenta.sources.dialects import get_dialect
from talenta.synth import cli, defects, world
from talenta.synth.testing import small_world
from tests.conftest import require_service

MARIADB_URL = os.environ.get("TALENTA_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306")


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_sqlite_source_has_the_vendor_schema(clean_world: Path) -> None:
    dialect = get_dialect("sql_simpeg_legacy")          # p016
    con = sqlite3.connect(clean_world / "sources" / "p016" / "simpeg.sqlite")
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {m.table for m in dialect.entities.values()}
        info = con.execute('PRAGMA table_info("PEGAWAI")').fetchall()
        assert [r[1] for r in info if r[5]] == ["PEG_ID"] and info[0][2] == "INTEGER"
        rows = con.execute('SELECT PEG_ID, PEG_NIP, GOL_ID FROM PEGAWAI ORDER BY PEG_ID').fetchall()
    finally:
        con.close()
    truth = pq.read_table(clean_world / "truth" / "employee.parquet").to_pandas()
    mine = truth[truth["source_id"] == "p016"]
    assert [r[0] for r in rows] == list(range(1, len(mine) + 1))
    assert [r[1] for r in rows] == list(mine["nip"])
    # SAPK-era vendors store golongan as SIASN ids ('33') and PPPK as roman numerals.
    assert [golongan.normalize(r[2]) or r[2] for r in rows] == list(mine["golongan"])
    conns = json.loads((clean_world / "connections.json").read_text())
    assert conns["talenta_src_p016"]["conn_type"] == "sqlite"
    assert Path(conns["talenta_src_p016"]["host"]).exists()
    assert conns["talenta_src_p005"] == {"conn_type": "fs", "extra": {
        "path": str((clean_world / "sources" / "p005" / "drop").resolve())}}


def test_mariadb_source_is_a_real_database(tmp_path: Path) -> None:
    import pymysql  # a locked dependency: never a reason to skip

    from talenta.synth.writers import mysql_params

    try:
        pymysql.connect(**mysql_params(MARIADB_URL)).close()
    except pymysql.err.OperationalError as exc:
        require_service("MariaDB", f"{MARIADB_URL}: {exc}")
    prefix = f"talenta_t{uuid.uuid4().hex[:8]}_"
    out = tmp_path / "w"
    world.build(world.BuildOptions(out=out, scale=0.002, seed=3, sources=("p001", "p016"), mariadb_url=MARIADB_URL,
                                   mariadb_prefix=prefix, rates=defects.DefectRates.none(), workers=1))
    con = pymysql.connect(**mysql_params(MARIADB_URL))
    try:
        with con.cursor() as cur:
            cur.execute(f"SELECT id_pegawai, nip, tanggal_lahir, golongan FROM `{prefix}p001`.tb_pegawai ORDER BY id_pegawai")
            rows = cur.fetchall()
            cur.execute(f"SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '{prefix}p001' "
                        "AND TABLE_NAME = 'tb_pegawai' AND COLUMN_NAME = 'tanggal_lahir'")
            assert cur.fetchone()[0] == "date"
            cur.execute(f"SELECT COUNT(*) FROM `{prefix}p016`.SKP_TAHUNAN")
            skp = cur.fetchone()[0]
    finally:
        with con.cursor() as cur:
            for sid in ("p001", "p016"):
                cur.execute(f"DROP DATABASE IF EXISTS `{prefix}{sid}`")
        con.close()
    truth = pq.read_table(out / "truth" / "employee.parquet").to_pandas()
    mine = truth[truth["source_id"] == "p001"]
    assert [r[1] for r in rows] == list(mine["nip"])
    assert [r[2] for r in rows] == list(mine["birth_date"])
    assert [r[3] for r in rows] == list(mine["golongan"])
    perf = pq.read_table(out / "truth" / "performance.parquet").to_pandas()
    assert skp == (perf["source_id"] == "p016").sum()
    conn = json.loads((out / "connections.json").read_text())["talenta_src_p001"]
    assert conn["conn_type"] == "mysql" and conn["schema"] == f"{prefix}p001" and conn["port"] == 3306


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    sources = ["p002", "p005", "p008", "p016"]
    a = small_world(tmp_path / "a", sources, seed=21, rates=world.defects.DefectRates(row=0.02))
    b = small_world(tmp_path / "b", sources, seed=21, rates=world.defects.DefectRates(row=0.02))
    c = small_world(tmp_path / "c", sources, seed=22, rates=world.defects.DefectRates(row=0.02))

    def strip(d: dict[str, str]) -> dict[str, str]:   # connections hold absolute paths
        return {k: v for k, v in d.items() if k != "connections.json"}

    assert strip(_digest(a)) == strip(_digest(b))
    assert strip(_digest(a)) != strip(_digest(c))
    assert len(_digest(a)) > 15


def test_transferred_people_appear_in_both_systems(clean_world: Path) -> None:
    truth = pq.read_table(clean_world / "truth" / "employee.parquet").to_pandas()
    twice = truth[truth.duplicated("nip", keep=False)].sort_values(["nip", "source_id"])
    assert len(twice) >= 2
    for _, pair in twice.groupby("nip"):
        assert pair["source_id"].nunique() == len(pair) == 2
        assert pair["instansi_id"].nunique() == 2
        assert pair["birth_date"].nunique() == 1 and pair["tmt_cpns"].nunique() == 1
    assert not truth.duplicated(["nip", "source_id"]).any()


def test_advance_brings_new_work(tmp_path: Path) -> None:
    out = small_world(tmp_path, ["p005", "p008", "d3578"], seed=9)
    before = pq.read_table(out / "truth" / "employee.parquet").to_pandas()
    doc = world.advance(out, days=1, workers=1)
    assert doc["snapshot_date"] == "2025-12-02" and json.loads((out / "world.json").read_text())["day"] == 1
    after = pq.read_table(out / "truth" / "employee.parquet").to_pandas()
    assert len(after) > len(before)
    changed = after[after["updated_at"] == pd.Timestamp("2025-12-02 02:00:00")]
    assert len(changed) >= len(after) - len(before) > 0
    drops = sorted(p.name for p in (out / "sources" / "d3578" / "drop").iterdir())
    assert "pegawai_20251201.csv" in drops and "pegawai_20251202.csv" in drops
    manifest = pq.read_table(out / "truth" / "defects.parquet").to_pandas()
    file_refs = manifest[manifest["source_id"] == "d3578"]["record_ref"]
    assert all("20251202" in r for r in file_refs)


def test_cli_builds_a_world(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="talenta")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["synth", "--out", str(tmp_path), "--scale", "0.001", "--seed", "2",
                              "--sources", "p005,p008", "--no-faults", "--workers", "1"])
    assert args.func(args) == 0
    doc = json.loads((tmp_path / "world.json").read_text())
    assert doc["sources"] == ["p005", "p008"] and doc["seed"] == 2 and doc["rest"]["port"] is None
    assert json.loads((tmp_path / "sources" / "p008" / "api" / "faults.json").read_text()) == {}
    for entity in world.ENTITIES:
        assert (tmp_path / "truth" / f"{entity}.parquet").exists()


def test_advance_while_serving_keeps_the_port_and_serves_the_new_night(tmp_path: Path) -> None:
    """The nightly benchmark advances the world under a running REST server; the next night must reach it."""
    import httpx

    from talenta.synth.server import start_background

    out = small_world(tmp_path, ["d31"], seed=9, scale=0.004)
    server, _ = start_background(out)
    try:
        port = server.server_address[1]

        def served() -> list[dict]:
            conn = json.loads((out / "connections.json").read_text())["talenta_src_d31"]
            assert conn["port"] == port
            reply = httpx.get(f"http://127.0.0.1:{conn['port']}/s/d31/api/v2/pegawai",
                              params={"page": 1, "page_size": 5000},
                              headers={"Authorization": f"Bearer {conn['password']}"}, timeout=30)
            reply.raise_for_status()
            return reply.json()["data"]

        before = served()
        world.advance(out, days=1, workers=1)
        after = served()
        on_disk = [json.loads(x) for x in (out / "sources" / "d31" / "api" / "employee.jsonl").read_text().splitlines()]
        assert after == on_disk[:5000] and after != before
    finally:
        server.shutdown()
