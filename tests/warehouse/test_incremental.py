"""Incremental fact merge: the previous published facts plus new partitions equal a full rebuild."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from talenta.warehouse.audit import PUBLISHED_TABLES, AuditError
from talenta.warehouse.db import Warehouse
from talenta.warehouse.duck_build import published_schema
from talenta.warehouse.merge import merge, table_checksum
from tests.warehouse.conftest import D2, NIP, SRC_A, SRC_B, LakeBuilder, employee

D4, D5 = "2026-01-04", "2026-01-05"


def checksums(url: str) -> dict[str, tuple[int, str]]:
    with Warehouse(url) as wh:
        return {t: table_checksum(wh, t) for t in PUBLISHED_TABLES}


def full_rebuild(lake_root: Path, tmp_path: Path) -> dict[str, tuple[int, str]]:
    url = f"duckdb:///{tmp_path / f'full-{uuid.uuid4().hex[:6]}.duckdb'}"
    result = merge(url, lake_root=lake_root, write_gold=False, incremental=False)
    assert result.incremental == []
    return checksums(url)


def perf(nip: str, year: int, predikat: str) -> dict:
    return {"nip": nip, "year": year, "hasil_kerja": "SESUAI", "perilaku_kerja": "SESUAI", "predikat": predikat}


def new_day(lake_root: Path, day: str, predikat: str) -> None:
    assess = [{"nip": NIP[2], "assessed_on": dt.date(2025, 11, 3), "method": "assessment_center", "jpm_pct": 81.5}]
    LakeBuilder(lake_root).sync(SRC_A, day, {
        "employee": [employee(NIP[1]), employee(NIP[2], gender="P", golongan="III/c"), employee(NIP[5])],
        "performance": [perf(NIP[1], 2025, predikat), perf(NIP[5], 2025, "BAIK"), perf(NIP[2], 2024, "CUKUP")],
        "assessment": assess,
    })


def test_incremental_new_days_equal_full_rebuild(lake_root, duck_url, tmp_path):
    first = merge(duck_url, lake_root=lake_root, write_gold=False)
    assert first.incremental == []  # nothing published yet: a full build
    new_day(lake_root, D4, "KURANG")
    second = merge(duck_url, lake_root=lake_root, write_gold=False)
    assert second.incremental == ["performance"]  # the only fact with merged partitions to carry over
    assert checksums(duck_url) == full_rebuild(lake_root, tmp_path)
    new_day(lake_root, D5, "SANGAT_BAIK")  # the same keys again, later: the new rows must win
    assert merge(duck_url, lake_root=lake_root, write_gold=False).incremental == ["assessment", "performance"]
    assert checksums(duck_url) == full_rebuild(lake_root, tmp_path)
    with Warehouse(duck_url) as wh:
        assert wh.scalar("select predikat from performance_rating where nip = ? and year = 2025", [NIP[1]]) \
            == "SANGAT_BAIK"
        assert wh.scalar("select count(*) from assessment") == 1
    # An identical re-run changes nothing, incremental or not.
    before = checksums(duck_url)
    merge(duck_url, lake_root=lake_root, write_gold=False)
    assert checksums(duck_url) == before


def test_changed_old_partition_forces_full_rebuild_of_that_entity(lake_root, duck_url, tmp_path):
    merge(duck_url, lake_root=lake_root, write_gold=False)
    # Day 2 of source A re-synced with a different rating: its old row must not survive in the facts.
    LakeBuilder(lake_root).sync(SRC_A, D2, {
        "employee": [employee(NIP[1]), employee(NIP[2], gender="P", golongan="III/c"),
                     employee(NIP[3], tmt_jabatan=dt.date(2018, 1, 1)),
                     employee(NIP[4], name="SITI AMINAH", birth_date=dt.date(1985, 5, 5))],
        "performance": [perf(NIP[1], 2024, "BAIK")],
    })
    result = merge(duck_url, lake_root=lake_root, write_gold=False)
    assert "performance" not in result.incremental
    assert checksums(duck_url) == full_rebuild(lake_root, tmp_path)


def test_carried_partitions_still_reconcile_in_the_audit(lake_root, duck_url):
    merge(duck_url, lake_root=lake_root, write_gold=False)
    new_day(lake_root, D4, "BAIK")
    assert "performance" in merge(duck_url, lake_root=lake_root, write_gold=False).incremental
    with Warehouse(duck_url) as wh:
        # Every merged partition keeps its count, also those whose rows later days superseded.
        build = published_schema(wh, "main")
        counted = wh.scalar(f"select sum(n) from {build}.merge_manifest where entity = 'performance'")
        accepted = wh.scalar("select sum(rows_accepted) from source_sync where entity = 'performance'")
        assert counted == accepted == 6 and wh.scalar("select count(*) from performance_rating") == 3
    LakeBuilder(lake_root).sync(SRC_B, D5, {"performance": [perf(NIP[3], 2025, "BAIK")]},
                                accepted_override={"performance": 2})
    with pytest.raises(AuditError, match="rows_accepted"):
        merge(duck_url, lake_root=lake_root, write_gold=False)
