"""The DuckDB build and publish: build schemas, view switch, leftovers of interrupted merges, gold writes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from talenta.lake.layout import read_partition, replace_partition, write_partition
from talenta.warehouse.audit import PUBLISHED_TABLES
from talenta.warehouse.db import Warehouse
from talenta.warehouse.duck_build import as_temp, build_schemas, published_schema
from talenta.warehouse.merge import merge, table_checksum
from tests.warehouse.conftest import D3, NIP, SRC_A, LakeBuilder, employee


def test_publish_switches_views_to_one_build_schema_and_drops_leftovers(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3, write_gold=False)
    with Warehouse(duck_url) as wh:
        first = published_schema(wh, "main")
        assert build_schemas(wh, "main") == [first]
        kinds = {r["table_name"]: r["table_type"] for r in wh.query_arrow(
            "select table_name, table_type from information_schema.tables where table_schema = 'main'").to_pylist()}
        assert {kinds[t] for t in PUBLISHED_TABLES} == {"VIEW"}
        before = {t: table_checksum(wh, t) for t in PUBLISHED_TABLES}
        # A build left behind by a merge killed before its publish: nobody reads it, the next merge drops it.
        wh.execute("create schema main__pub_deadbeef")
        wh.execute("create table main__pub_deadbeef.employee_history as select 1 as x")
    merge(duck_url, lake_root=lake_root, logical_date=D3, write_gold=False)
    with Warehouse(duck_url) as wh:
        second = published_schema(wh, "main")
        assert second != first and build_schemas(wh, "main") == [second]
        assert {t: table_checksum(wh, t) for t in PUBLISHED_TABLES} == before


def test_warehouse_published_as_tables_is_upgraded_in_place(lake_root, duck_url):
    # A file published by the earlier layout holds real tables under the analyst names.
    with Warehouse(duck_url) as wh:
        for t in PUBLISHED_TABLES:
            wh.execute(f"create table main.{t} as select 1 as stale")
    merge(duck_url, lake_root=lake_root, logical_date=D3, write_gold=False)
    with Warehouse(duck_url) as wh:
        assert wh.scalar("select count(*) from employee_current") == 4
        assert "stale" not in wh.query_arrow("select * from employee_history limit 0").column_names


def test_new_day_is_merged_and_audit_failure_leaves_build_for_diagnosis(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3, write_gold=False)
    LakeBuilder(lake_root).sync(SRC_A, "2026-01-04", {"employee": [employee(NIP[5])]},
                                accepted_override={"employee": 3})
    with pytest.raises(Exception, match="kept for diagnosis") as err:
        merge(duck_url, lake_root=lake_root, write_gold=False)
    with Warehouse(duck_url) as wh:
        kept = [s for s in build_schemas(wh, "main") if s != published_schema(wh, "main")]
        assert len(kept) == 1 and kept[0] in str(err.value)
        assert wh.scalar(f"select count(*) from {kept[0]}.employee_current where nip = ?", [NIP[5]]) == 1
        assert wh.scalar("select count(*) from employee_current where nip = ?", [NIP[5]]) == 0


def test_as_temp_rewrites_only_the_leading_create():
    sql = "-- grain: x\n-- key: y\ncreate table t as select 'create table u' as s"
    assert as_temp(sql) == "-- grain: x\n-- key: y\ncreate temp table t as select 'create table u' as s"
    assert as_temp("create view v as select 1").startswith("create temp view v")
    with pytest.raises(ValueError, match="create table"):
        as_temp("insert into t values (1)")


def test_replace_partition_is_atomic(tmp_path: Path):
    target = tmp_path / "gold" / "entity=x" / "source_id=national" / "logical_date=2026-01-03"
    write_partition(target, pa.table({"k": [1, 2]}))

    def broken(tmp: Path) -> None:
        (tmp / "part-0.parquet").write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_partition(target, broken)
    assert read_partition(target).column("k").to_pylist() == [1, 2]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp folder left behind
