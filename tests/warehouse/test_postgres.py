"""The same merge into a real PostgreSQL (schema per test) gives the same counts and checksums as DuckDB."""

from __future__ import annotations

import pyarrow as pa
import pytest

from talenta.warehouse.audit import PUBLISHED_TABLES
from talenta.warehouse.db import Warehouse
from talenta.warehouse.merge import as_known_on, merge, table_checksum
from tests.warehouse.conftest import D3, NIP, PG_URL, SRC_B

pytestmark = pytest.mark.integration


def test_postgres_merge_equals_duckdb(lake_root, duck_url, pg_schema, pg_roles):
    merge(duck_url, lake_root=lake_root, logical_date=D3, write_gold=False)
    merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(duck_url) as d, Warehouse(PG_URL, schema=pg_schema) as p:
        for table in PUBLISHED_TABLES:
            assert table_checksum(p, table) == table_checksum(d, table), table
        assert p.scalar("select source_id from employee_current where nip = ?", [NIP[3]]) == SRC_B
        assert as_known_on(p, "2026-01-02", "2023-01-01").column("golongan").to_pylist() == \
            as_known_on(d, "2026-01-02", "2023-01-01").column("golongan").to_pylist()
        assert p.scalar("select count(*) from employee_current_analyst") == 4
    # A second identical run on PostgreSQL changes nothing either.
    with Warehouse(PG_URL, schema=pg_schema) as p:
        first = {t: table_checksum(p, t) for t in PUBLISHED_TABLES}
    merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as p:
        assert {t: table_checksum(p, t) for t in PUBLISHED_TABLES} == first


def test_postgres_bulk_roundtrip_types(pg_schema):
    import datetime as dt

    t = pa.table({
        "s": ["a,\"b\"\n", None, ""], "l": [["x", 'y"z', "a,b"], None, []],
        "d": pa.array([dt.date(2020, 1, 2), None, dt.date(1999, 12, 31)], pa.date32()),
        "i": pa.array([1, None, 3], pa.int16()), "f": [1.5, None, -2.0], "b": [True, None, False],
    })
    with Warehouse(PG_URL, schema=pg_schema) as p:
        p.replace_table("rt", t)
        p.append_table("rt", t)
        out = p.query_arrow("select * from rt")
        assert out.num_rows == 6 and out.slice(0, 3).to_pylist() == t.to_pylist()
        assert p.table_exists("rt") and not p.table_exists("nope")
        # A table concatenated from partitions often starts with an empty chunk (a source with no rows).
        chunked = pa.concat_tables([t.slice(0, 0), t, t.slice(0, 0), t])
        p.replace_table("rt2", chunked)
        assert p.query_arrow("select * from rt2").to_pylist() == chunked.to_pylist()


def test_postgres_in_database_build_equals_duckdb_computed_build(lake_root, pg_schema, pg_roles):
    # The default computes the state in DuckDB and COPYs it; the SQL must still run inside PostgreSQL.
    fast = merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as p:
        first = {t: table_checksum(p, t) for t in PUBLISHED_TABLES}
    slow = merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles,
                 pg_build="postgres")
    with Warehouse(PG_URL, schema=pg_schema) as p:
        assert {t: table_checksum(p, t) for t in PUBLISHED_TABLES} == first
        assert not p.schema_exists(f"{pg_schema}_staging")
    assert fast.row_counts == slow.row_counts and "load_s" in fast.timings and "load_s" not in slow.timings
    with pytest.raises(ValueError, match="pg_build"):
        merge(PG_URL, schema=pg_schema, lake_root=lake_root, write_gold=False, roles=pg_roles, pg_build="spark")
