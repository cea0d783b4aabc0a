"""The Warehouse API on DuckDB: Arrow in, Arrow out, transactions, identifiers."""

from __future__ import annotations

import pyarrow as pa
import pytest

from talenta.warehouse.db import Warehouse, WarehouseError


def test_replace_append_query_roundtrip(duck_url):
    t = pa.table({"k": [1, 2], "tags": [["a"], None], "s": ["x", None]})
    with Warehouse(duck_url, schema="s1") as wh:
        wh.replace_table("t", t)
        wh.append_table("t", t)
        assert wh.query_arrow("select * from t where k = ?", [2]).to_pylist() == [{"k": 2, "tags": None, "s": None}] * 2
        wh.replace_table("t", t)
        assert wh.query_df("select count(*) as n from t")["n"][0] == 2
        assert wh.table_exists("t") and wh.table_exists("s1.t") and not wh.table_exists("u")


def test_transaction_rolls_back_everything(duck_url):
    with Warehouse(duck_url) as wh:
        wh.replace_table("t", pa.table({"k": [1]}))
        with pytest.raises(WarehouseError), wh.transaction():
            wh.execute("insert into t values (2)")
            wh.execute("insert into no_such_table values (3)")
        assert wh.scalar("select count(*) from t") == 1


def test_bad_identifier_and_url_are_refused(duck_url):
    with Warehouse(duck_url) as wh, pytest.raises(WarehouseError, match="identifier"):
        wh.replace_table("t; drop table x", pa.table({"k": [1]}))
    with pytest.raises(WarehouseError, match="TALENTA_WAREHOUSE_URL"):
        Warehouse("mysql://root@localhost/test")


def test_duckdb_memory_is_bounded_and_spills_to_a_private_folder(tmp_path, monkeypatch, duck_url):
    # Issue #8: DuckDB must not grow to 80 % of RAM. Under a small limit a build larger than it spills into a
    # folder of its own under TALENTA_DUCKDB_TEMP_DIR, which is gone once the connection closes.
    monkeypatch.setenv("TALENTA_DUCKDB_MEMORY_LIMIT", "64MB")
    monkeypatch.setenv("TALENTA_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    with Warehouse("duckdb://") as wh:
        assert wh.scalar("select current_setting('memory_limit')") == "61.0 MiB"  # 64 MB
        wh.execute("set preserve_insertion_order = false")
        wh.execute("create table big as select range as i, md5(range::varchar) as s from range(3000000)")
        assert wh.scalar("select count(distinct s) from big") == 3_000_000
        (folder,) = (tmp_path / "spill").iterdir()
        assert any(f.name.startswith("duckdb_temp") for f in folder.iterdir())
    assert list((tmp_path / "spill").iterdir()) == []
    with Warehouse(duck_url) as wh:  # a warehouse file spills next to itself (DuckDB's default)
        assert wh.scalar("select current_setting('temp_directory')").endswith(".duckdb.tmp")
        assert wh.scalar("select current_setting('memory_limit')").startswith("61")
    monkeypatch.setenv("TALENTA_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(WarehouseError, match="TALENTA_DUCKDB_MEMORY_LIMIT"):
        Warehouse("duckdb://")
    monkeypatch.setenv("TALENTA_DUCKDB_MEMORY_LIMIT", "none")
    with Warehouse("duckdb://") as wh:
        assert not wh.scalar("select current_setting('memory_limit')").startswith("61")
