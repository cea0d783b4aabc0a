"""Warehouse merge on DuckDB: SCD2, transfers, conflicts, held partitions, audit, interruption, re-runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from talenta.warehouse.audit import PUBLISHED_TABLES, AuditError
from talenta.warehouse.db import Warehouse
from talenta.warehouse.merge import as_known_on, merge, table_checksum
from tests.warehouse.conftest import D1, D2, D3, NIP, REG_A, REG_B, SRC_A, SRC_B, LakeBuilder, employee


def checksums(url: str) -> dict[str, tuple[int, str]]:
    with Warehouse(url) as wh:
        return {t: table_checksum(wh, t) for t in PUBLISHED_TABLES}


def test_scd2_retroactive_decree_placed_at_tmt_and_as_known_on(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    with Warehouse(duck_url) as wh:
        hist = wh.query_df(
            f"select golongan, valid_from, valid_to, is_current, recorded_at from employee_history "
            f"where nip = '{NIP[1]}' order by valid_from"
        )
        assert hist["golongan"].tolist() == ["III/a", "III/b"]
        assert str(hist["valid_from"][1])[:10] == "2022-04-01"   # at its TMT, not when we learned it
        assert str(hist["valid_to"][0])[:10] == "2022-04-01"
        assert str(hist["recorded_at"][1])[:10] == D3
        assert hist["is_current"].tolist() == [False, True]
        before = {r["nip"]: r["golongan"] for r in as_known_on(wh, D2, "2023-01-01").to_pylist()}
        after = {r["nip"]: r["golongan"] for r in as_known_on(wh, D3, "2023-01-01").to_pylist()}
        assert before[NIP[1]] == "III/a" and after[NIP[1]] == "III/b"


def test_transfer_picks_latest_tmt_and_conflict_is_recorded(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    with Warehouse(duck_url) as wh:
        cur = {r["nip"]: r for r in wh.query_arrow("select * from employee_current").to_pylist()}
        assert cur[NIP[3]]["region_code"] == REG_B and cur[NIP[3]]["source_id"] == SRC_B
        assert cur[NIP[4]]["has_identity_conflict"] and not cur[NIP[1]]["has_identity_conflict"]
        conflicts = wh.query_arrow(
            "select field, value, source_ids from identity_conflict where nip = ? order by field, value", [NIP[4]]
        ).to_pylist()
        assert {c["field"] for c in conflicts} == {"name", "birth_date"}
        assert {c["source_ids"] for c in conflicts} == {SRC_A, SRC_B}
        assert wh.scalar("select count(*) from employee_current") == len(cur) == 4
        # The fact is de-duplicated by key; the latest logical date wins.
        perf = wh.query_arrow("select * from performance_rating").to_pylist()
        assert len(perf) == 1 and perf[0]["predikat"] == "SANGAT_BAIK"


def test_held_partition_is_skipped_and_old_rows_stay(lake_root, duck_url):
    result = merge(duck_url, lake_root=lake_root, logical_date=D3)
    assert {(s["entity"], s["source_id"], s["logical_date"]) for s in result.skipped} == {("employee", SRC_B, D3)}
    with Warehouse(duck_url) as wh:
        assert wh.scalar("select count(*) from employee_history where unit_name = 'HELD'") == 0
        assert wh.scalar("select region_code from employee_current where nip = ?", [NIP[3]]) == REG_B
        sync = wh.query_arrow(
            "select status, reason from source_sync where source_id = ? and logical_date = ? and entity = 'employee'",
            [SRC_B, D3],
        ).to_pylist()
        assert sync == [{"status": "held", "reason": "critical failure rate above threshold"}]
        assert wh.scalar("select count(*) from quarantined_record") == 1
        refs = wh.scalar("select example_refs from dq_check_result where rows_failed > 0")
        assert refs == ["employee.csv:6"]


def test_rerun_with_same_inputs_changes_nothing(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    first = checksums(duck_url)
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    assert checksums(duck_url) == first
    assert first["employee_history"][0] == 7


def test_failed_audit_publishes_nothing_and_says_why(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    before = checksums(duck_url)
    # A new day whose run record claims more accepted rows than its silver partition holds.
    LakeBuilder(lake_root).sync(SRC_A, "2026-01-04", {"employee": [employee(NIP[5])]},
                                accepted_override={"employee": 2})
    with pytest.raises(AuditError) as err:
        merge(duck_url, lake_root=lake_root, logical_date="2026-01-04")
    assert "rows_accepted" in str(err.value) and SRC_A in str(err.value)
    assert checksums(duck_url) == before
    with Warehouse(duck_url) as wh:
        assert wh.scalar("select count(*) from employee_current where nip = ?", [NIP[5]]) == 0


def test_killed_between_build_and_publish_keeps_previous_state(lake_root, duck_url, tmp_path):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    before = checksums(duck_url)
    LakeBuilder(lake_root).sync(SRC_A, "2026-01-04", {"employee": [employee(NIP[5])]})
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from talenta.warehouse.merge import merge
        merge({duck_url!r}, lake_root=Path({str(lake_root)!r}), logical_date="2026-01-04",
              before_publish=lambda wh, staging: os.kill(os.getpid(), signal.SIGKILL))
    """)
    proc = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), timeout=120,
                          capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    assert checksums(duck_url) == before
    merge(duck_url, lake_root=lake_root, logical_date="2026-01-04")  # the next run recovers
    with Warehouse(duck_url) as wh:
        assert wh.scalar("select count(*) from employee_current where nip = ?", [NIP[5]]) == 1


def test_gold_is_hive_partitioned_parquet(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    pattern = str(Path(lake_root) / "gold" / "entity=*" / "source_id=*" / "logical_date=*" / "*.parquet")
    rows = duckdb.sql(
        f"select entity, count(*) from read_parquet('{pattern}', hive_partitioning = true) group by entity"
    ).fetchall()
    with Warehouse(duck_url) as wh:
        expected = {t: wh.scalar(f"select count(*) from {t}") for t in PUBLISHED_TABLES}
    assert {e: n for e, n in rows} == {t: n for t, n in expected.items() if n}


def test_analyst_view_has_no_direct_identifiers(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, logical_date=D3)
    with Warehouse(duck_url) as wh:
        t = wh.query_arrow("select * from employee_current_analyst")
        assert {"name", "nik", "birth_date"}.isdisjoint(t.column_names)
        assert t.num_rows == 4 and t.column("birth_year").to_pylist()[0] in (1980, 1985)
        assert all(h and len(h) == 32 for h in t.column("nik_hash").to_pylist())


def test_unused_dates_are_plain_iso(lake_root):
    # The scenario writes every day it names; guards against a silently empty fixture.
    assert sorted(p.name for p in (lake_root / "_state" / "runs").iterdir()) == [
        f"logical_date={d}" for d in (D1, D2, D3)
    ]
    assert REG_A != REG_B


def test_partition_with_wrong_types_is_named_in_the_error(lake_root, duck_url):
    import pyarrow as pa

    from talenta.lake.layout import partition_dir, write_partition

    bad = pa.table({"nip": [NIP[1]], "year": ["dua ribu"], "source_id": [SRC_A],
                    "source_row_ref": ["skp.csv:2"], "run_id": [f"run-{SRC_A}-{D2}"]})
    target = partition_dir("silver", "performance", SRC_A, D2, root=lake_root)
    write_partition(target, bad)
    with pytest.raises(ValueError, match=r"logical_date=2026-01-02.*'year'"):
        merge(duck_url, lake_root=lake_root, logical_date=D3)
