"""PostgreSQL security on a real server: read-only analysts, regions see only their own rows (RLS).

Each test publishes the scenario into its own schema with its own roles, logs in as those roles with
``SET ROLE`` and checks what they can and cannot see or do; schema and roles are dropped afterwards.
"""

from __future__ import annotations

import uuid

import pytest

from talenta.warehouse.db import Warehouse, WarehouseError
from talenta.warehouse.merge import merge
from talenta.warehouse.security import grant_region
from tests.warehouse.conftest import D3, PG_URL, REG_A, REG_B, SRC_A, SRC_B, drop_roles

pytestmark = pytest.mark.integration

REGIONAL = ("employee_current", "employee_history", "source_sync", "quarantined_record", "dq_check_result")


@pytest.fixture
def logins(pg_roles):
    """Two regional logins (region A, region B) and one unmapped login, dropped after the test."""
    tag = uuid.uuid4().hex[:8]
    names = {"a": f"t_login_a_{tag}", "b": f"t_login_b_{tag}", "none": f"t_login_n_{tag}"}
    with Warehouse(PG_URL) as wh:
        for n in names.values():
            wh.execute(f"create role {n} nologin")
    yield names
    drop_roles(*names.values())


def _as(wh: Warehouse, role: str, sql: str, params=None):
    """Run ``sql`` as ``role`` (SET ROLE), always returning to the owner afterwards."""
    wh.execute(f"set role {role}")
    try:
        return wh.query_arrow(sql, params)
    finally:
        wh.execute("reset role")


def _owner_counts(wh: Warehouse, table: str) -> dict[str, int]:
    t = wh.query_arrow(f"select region_code, count(*) as n from {table} group by region_code")
    return {r["region_code"]: r["n"] for r in t.to_pylist()}


def test_analyst_reads_views_but_cannot_write_or_see_identifiers(lake_root, pg_schema, pg_roles):
    merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as wh:
        owner_n = wh.scalar("select count(*) from employee_current")
        view = _as(wh, pg_roles.analyst, "select * from employee_current_analyst")
        assert view.num_rows == owner_n == 4 and "name" not in view.column_names
        assert _as(wh, pg_roles.analyst, "select count(*) as n from performance_rating").column(0)[0].as_py() == 1
        # The analyst sees national monitoring tables in full (their all-rows policy).
        assert _as(wh, pg_roles.analyst, "select count(*) from source_sync").column(0)[0].as_py() == \
            wh.scalar("select count(*) from source_sync")
        for sql in ("select * from employee_current", "select * from employee_history",
                    "select * from quarantined_record",
                    "insert into performance_rating (nip, year) values ('x', 2020)",
                    "delete from vacancy", "update dim_region set region_name = 'x'",
                    "create table analyst_scratch (x int)"):
            with pytest.raises(WarehouseError, match="permission denied"):
                _as(wh, pg_roles.analyst, sql)
        assert wh.scalar("select count(*) from dim_region where region_name = 'x'") == 0


def test_region_sees_only_its_own_rows_even_after_republish(lake_root, pg_schema, pg_roles, logins):
    merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as wh:
        grant_region(wh, pg_schema, logins["a"], [REG_A], roles=pg_roles)
        grant_region(wh, pg_schema, logins["b"], [REG_B], roles=pg_roles)
        grant_region(wh, pg_schema, logins["none"], [], roles=pg_roles)
        # Security is part of every publish: a second merge recreates the tables and keeps the policies.
    merge(PG_URL, schema=pg_schema, lake_root=lake_root, logical_date=D3, write_gold=False, roles=pg_roles)
    with Warehouse(PG_URL, schema=pg_schema) as wh:
        for table in REGIONAL:
            owner = _owner_counts(wh, table)
            for login, region in (("a", REG_A), ("b", REG_B)):
                seen = _as(wh, logins[login], f"select region_code from {table}").column(0).to_pylist()
                assert set(seen) <= {region}, (table, login, set(seen))
                assert len(seen) == owner.get(region, 0), (table, login)
            # A member of the region role with no region mapped sees nothing.
            assert _as(wh, logins["none"], f"select count(*) from {table}").column(0)[0].as_py() == 0
        # The scenario gives both regions rows where it matters, so the filter is really exercised.
        assert _owner_counts(wh, "employee_current") == {REG_A: 3, REG_B: 1}
        srcs = _as(wh, logins["a"], "select distinct source_id from source_sync").column(0).to_pylist()
        assert srcs == [SRC_A]
        assert _as(wh, logins["b"], "select count(*) from quarantined_record").column(0)[0].as_py() == 0
        assert _as(wh, logins["a"], "select count(*) from quarantined_record").column(0)[0].as_py() == 1
        assert SRC_B in wh.query_arrow("select source_id from dq_check_result").column(0).to_pylist()
        # A region cannot widen its own access nor write data.
        for sql in (f"insert into region_access values (current_user, '{REG_B}')",
                    f"update employee_current set region_code = '{REG_A}'",
                    "delete from source_sync"):
            with pytest.raises(WarehouseError, match="permission denied"):
                _as(wh, logins["a"], sql)
        assert _as(wh, logins["a"], "select count(*) from region_access").column(0)[0].as_py() == 1
