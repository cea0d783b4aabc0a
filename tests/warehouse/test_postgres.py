"""The same merge into a real PostgreSQL (schema per test) gives the same counts and checksums as DuckDB."""

from __future__ import annotations

import pyarrow as pa
import pytest

from talenta.warehouse.audit import PUBLISHED_TABLES
from talenta.warehouse.db import Warehouse, WarehouseError
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


# Both bulk paths into PostgreSQL: binary COPY through ADBC (the default; a locked dependency) and CSV COPY
# (TALENTA_PG_LOADER=csv, the fallback).
LOADERS = ["adbc", "csv"]


@pytest.mark.parametrize("loader", LOADERS)
def test_postgres_streamed_load_keeps_every_value(pg_schema, loader, monkeypatch):
    import datetime as dt
    import decimal

    monkeypatch.setenv("TALENTA_PG_LOADER", loader)
    t = pa.table({
        "s": ["a,\"b\"\n", None, "", "\\N"], "l": [["x", 'y"z', "a,b"], None, [], ["{}", None]],
        "d": pa.array([dt.date(2020, 1, 2), None, dt.date(1999, 12, 31), dt.date(1, 1, 1)], pa.date32()),
        "i": pa.array([1, None, 3, -32768], pa.int16()), "i8": pa.array([1, None, -128, 127], pa.int8()),
        "f": [1.5, None, -2.0, 1e300], "b": [True, None, False, True],
        "n": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3"), decimal.Decimal("0")],
                      pa.decimal128(10, 2)),
        "ts": pa.array([dt.datetime(2026, 1, 5, 1, 2, 3, 456789), None, dt.datetime(1970, 1, 1),
                        dt.datetime(2000, 2, 29)], pa.timestamp("us")),
        "tz": pa.array([dt.datetime(2026, 1, 5, 1, 2, 3, tzinfo=dt.UTC), None, None, None],
                       pa.timestamp("us", tz="UTC")),
    })
    # Batches as the merge streams them, including empty ones (a source with no rows of an entity).
    batches = [*t.slice(0, 0).to_batches(), *t.to_batches(max_chunksize=3), *t.slice(0, 0).to_batches()]
    with Warehouse(PG_URL, schema=pg_schema) as p:
        reader = pa.RecordBatchReader.from_batches(t.schema, iter(batches))
        assert p.load_stream(f"{pg_schema}.rt", reader) == 4
        out = p.query_arrow("select * from rt")
        expected = t.set_column(t.schema.get_field_index("n"), "n", t.column("n").cast(pa.float64()))
        expected = expected.set_column(expected.schema.get_field_index("i8"), "i8", t.column("i8").cast(pa.int16()))
        assert out.to_pylist() == expected.to_pylist()
        assert p.query_arrow("select * from rt limit 0").schema == expected.schema
        empty = pa.RecordBatchReader.from_batches(t.schema, iter([]))
        assert p.load_stream(f"{pg_schema}.rt0", empty) == 0 and p.table_exists("rt0")
        with pytest.raises(WarehouseError):  # the table exists: nothing is half-loaded into it
            p.load_stream(f"{pg_schema}.rt", pa.RecordBatchReader.from_batches(t.schema, iter(batches)))
        assert p.scalar("select count(*) from rt") == 4


@pytest.mark.parametrize("loader", LOADERS)
def test_postgres_merge_with_each_loader_equals_duckdb(lake_root, duck_url, pg_schema, pg_roles, loader,
                                                        monkeypatch):
    monkeypatch.setenv("TALENTA_PG_LOADER", loader)
    merge(duck_url, lake_root=lake_root, logical_date=D3, write_gold=False)
    r = merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    assert "load_s" in r.timings
    with Warehouse(duck_url) as d, Warehouse(PG_URL, schema=pg_schema) as p:
        for table in PUBLISHED_TABLES:
            assert table_checksum(p, table) == table_checksum(d, table), table


def test_postgres_failed_audit_publishes_nothing_and_leaves_no_staging(lake_root, pg_schema, pg_roles):
    # Tables start loading into staging while DuckDB still builds and audits: a failed audit must discard them.
    from talenta.warehouse.audit import AuditError
    from tests.warehouse.conftest import NIP, SRC_A, LakeBuilder, employee

    merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as p:
        before = {t: table_checksum(p, t) for t in PUBLISHED_TABLES}
    LakeBuilder(lake_root).sync(SRC_A, "2026-01-04", {"employee": [employee(NIP[5])]},
                                accepted_override={"employee": 2})
    with pytest.raises(AuditError, match="rows_accepted"):
        merge(PG_URL, schema=pg_schema, lake_root=lake_root, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as p:
        assert {t: table_checksum(p, t) for t in PUBLISHED_TABLES} == before
        assert not p.schema_exists(f"{pg_schema}_staging")


@pytest.mark.parametrize("pg_build", ["duckdb", "postgres"])
def test_postgres_gold_holds_the_published_tables(lake_root, duck_url, pg_schema, pg_roles, pg_build):
    # The PostgreSQL merge writes gold from its in-memory DuckDB build (pg_build="duckdb") or streams each
    # table out of PostgreSQL through a server-side cursor (pg_build="postgres"); either way it must hold the
    # same rows as the DuckDB warehouse's gold export of the same lake.
    import pyarrow.parquet as pq

    from talenta.lake.layout import partition_dir
    from talenta.warehouse.gold import GOLD_SOURCE

    def gold() -> dict[str, list]:
        out = {}
        for table in PUBLISHED_TABLES:
            t = pq.read_table(partition_dir("gold", table, GOLD_SOURCE, D3, root=lake_root) / "part-0.parquet")
            out[table] = sorted(repr(sorted(r.items())) for r in t.to_pylist())
        return out

    r = merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, roles=pg_roles, pg_build=pg_build)
    assert r.timings["gold_s"] > 0
    from_pg = gold()
    with Warehouse(PG_URL, schema=pg_schema) as p:  # gold is what was published, row for row
        for table in PUBLISHED_TABLES:
            published = p.query_arrow(f"select * from {table}").to_pylist()
            assert sorted(repr(sorted(r.items())) for r in published) == from_pg[table], table
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    assert gold() == from_pg and from_pg["employee_history"]
    with Warehouse(PG_URL, schema=pg_schema) as p, Warehouse(duck_url) as d:
        for wh in (p, d):
            sql = f"select * from {wh.target_schema}.employee_history order by nip, valid_from"
            parts = list(wh.stream_arrow(sql, batch_rows=2))
            assert len(parts) >= 2 and all(t.num_rows <= 2 for t in parts)
            assert pa.concat_tables(parts).to_pylist() == wh.query_arrow(sql).to_pylist()
            (empty,) = list(wh.stream_arrow(f"select * from {wh.target_schema}.employee_history where false"))
            assert empty.num_rows == 0 and "nip" in empty.column_names
