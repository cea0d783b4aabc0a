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
