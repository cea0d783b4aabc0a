"""A small real lake for the warehouse tests: silver, quarantine and dq partitions plus run records.

The scenario (three logical dates, two sources):
* NIP ...001 is promoted by a decree learned on day 3 but effective (TMT) 2022-04-01: a late,
  retroactive decree.
* NIP ...003 transfers from source A to source B (B has the later jabatan TMT); A keeps exporting the
  stale record.
* NIP ...004 has a different name and birth date in A and B: an identity conflict.
* Source B's employee partition of day 3 is held: its (bad) rows must not reach the warehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from talenta.domain.schemas import silver_schema
from talenta.lake.layout import partition_dir, state_dir, write_json_atomic, write_partition
from talenta.sources.registry import load_registry
from talenta.warehouse.lake_reader import DQ_SCHEMA, QUARANTINE_SCHEMA

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
D1, D2, D3 = "2026-01-01", "2026-01-02", "2026-01-03"
NIP = {i: f"19800101200501100{i}" for i in range(1, 6)}


def _sources() -> tuple[str, str, str, str]:
    regs = [s for s in load_registry() if s.region_code and len(s.region_code) == 4]
    a, b = regs[0], next(s for s in regs if s.region_code != regs[0].region_code)
    return a.source_id, a.region_code, b.source_id, b.region_code


SRC_A, REG_A, SRC_B, REG_B = _sources()


def employee(nip: str, **over) -> dict:
    """One canonical employee row with plausible defaults."""
    row = {
        "nip": nip, "nik": "3171" + nip[-12:], "name": f"PEGAWAI {nip[-2:]}", "gender": "L",
        "birth_date": dt.date(1980, 1, 1), "religion": "1", "employment_type": "PNS", "golongan": "III/a",
        "tmt_golongan": dt.date(2020, 4, 1), "jabatan_name": "Analis", "jabatan_type": "fungsional",
        "jabatan_level": "ahli_pertama", "tmt_jabatan": dt.date(2019, 1, 1), "education_level": "S1",
        "education_major": "Ekonomi", "unit_name": "BKD", "instansi_id": None, "region_code": REG_A,
        "status": "01", "tmt_cpns": dt.date(2005, 1, 1), "updated_at": dt.datetime(2025, 12, 1),
    }
    row.update(over)
    return row


class LakeBuilder:
    """Writes partitions and run records the way the sync does (atomic, with the canonical schemas)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def sync(self, source_id: str, day: str, entities: dict[str, list[dict]], *, quarantined: dict | None = None,
             held: tuple[str, ...] = (), accepted_override: dict | None = None) -> None:
        """Write one source's run for ``day``: silver per entity, quarantine rows, dq rows, the run record."""
        run_id = f"run-{source_id}-{day}"
        quarantined = quarantined or {}
        rec_entities = {}
        for entity, rows in entities.items():
            schema = silver_schema(entity).append(pa.field("dq_warnings", pa.list_(pa.string())))
            full = [{**r, "source_id": source_id, "source_row_ref": f"{entity}.csv:{i + 2}", "run_id": run_id,
                     "extra": None, "dq_warnings": []} for i, r in enumerate(rows)]
            write_partition(partition_dir("silver", entity, source_id, day, root=self.root),
                            pa.Table.from_pylist(full, schema=schema))
            q = quarantined.get(entity, [])
            qrows = [{"run_id": run_id, "source_id": source_id, "entity": entity,
                      "source_row_ref": f"{entity}.csv:{len(rows) + i + 2}", "nip": r.get("nip"),
                      "failed_checks": ["nip_valid"], "reasons": ["NIP is not 18 digits"],
                      "record": json.dumps(r, default=str)} for i, r in enumerate(q)]
            qschema = pa.schema([f for f in QUARANTINE_SCHEMA if f.name != "logical_date"])
            write_partition(partition_dir("quarantine", entity, source_id, day, root=self.root),
                            pa.Table.from_pylist(qrows, schema=qschema))
            dschema = pa.schema([f for f in DQ_SCHEMA if f.name != "logical_date"])
            dq = [{"run_id": run_id, "source_id": source_id, "entity": entity, "rule": "nip_valid",
                   "severity": "critical", "rows_checked": len(rows) + len(q), "rows_failed": len(q),
                   "passed": not q, "example_refs": [r["source_row_ref"] for r in qrows][:5]}]
            write_partition(partition_dir("dq", entity, source_id, day, root=self.root),
                            pa.Table.from_pylist(dq, schema=dschema))
            accepted = (accepted_override or {}).get(entity, len(rows))
            rec_entities[entity] = {
                "rows_extracted": accepted + len(q), "rows_accepted": accepted, "rows_quarantined": len(q),
                "status": "held" if entity in held else "success",
                "reason": "critical failure rate above threshold" if entity in held else None,
            }
        write_json_atomic(
            state_dir(root=self.root) / "runs" / f"logical_date={day}" / f"{source_id}.json",
            {"run_id": run_id, "source_id": source_id, "logical_date": day, "kind": "file_drop",
             "dialect": "siasn_csv", "status": "partial" if held else "success", "error": None,
             "started_at": f"{day}T01:00:00", "finished_at": f"{day}T01:00:05", "duration_s": 5.0,
             "entities": rec_entities},
        )


def build_scenario(root: Path) -> LakeBuilder:
    """The three-day, two-source scenario described in the module docstring."""
    lake = LakeBuilder(root)
    e1, e2 = employee(NIP[1]), employee(NIP[2], gender="P", golongan="III/c")
    e3a = employee(NIP[3], tmt_jabatan=dt.date(2018, 1, 1))
    e4a = employee(NIP[4], name="SITI AMINAH", birth_date=dt.date(1985, 5, 5))
    perf = [{"nip": NIP[1], "year": 2025, "hasil_kerja": "SESUAI", "perilaku_kerja": "SESUAI", "predikat": "BAIK"}]
    lake.sync(SRC_A, D1, {"employee": [e1, e2, e3a, e4a], "performance": perf},
              quarantined={"employee": [{"nip": "123", "name": "BAD"}]})
    perf2 = [{**perf[0], "predikat": "SANGAT_BAIK", "hasil_kerja": "DI_ATAS"}]
    lake.sync(SRC_A, D2, {"employee": [e1, e2, e3a, e4a], "performance": perf2})
    e3b = employee(NIP[3], region_code=REG_B, unit_name="BKPSDM", tmt_jabatan=dt.date(2025, 12, 15))
    e4b = employee(NIP[4], name="Siti Aminah Binti X", birth_date=dt.date(1985, 5, 6), region_code=REG_B,
                   tmt_jabatan=dt.date(2017, 1, 1), tmt_golongan=dt.date(2017, 1, 1))
    lake.sync(SRC_B, D2, {"employee": [e3b, e4b]})
    e1_retro = employee(NIP[1], golongan="III/b", tmt_golongan=dt.date(2022, 4, 1))
    lake.sync(SRC_A, D3, {"employee": [e1_retro, e2, e3a, e4a], "performance": perf2})
    e3_bad = employee(NIP[3], region_code="9999", tmt_jabatan=dt.date(2026, 1, 2), unit_name="HELD")
    lake.sync(SRC_B, D3, {"employee": [e3_bad, e4b]}, held=("employee",))
    return lake


@pytest.fixture
def lake_root(tmp_path: Path) -> Path:
    """A fresh lake holding the scenario."""
    root = tmp_path / "lake"
    build_scenario(root)
    return root


@pytest.fixture
def duck_url(tmp_path: Path) -> str:
    """A DuckDB warehouse file of its own."""
    return f"duckdb:///{tmp_path / f'wh-{uuid.uuid4().hex[:6]}.duckdb'}"


@pytest.fixture
def pg_schema():
    """A unique PostgreSQL schema (and its staging twin), dropped after the test; fails under CI if no server."""
    from talenta.warehouse.db import Warehouse

    try:
        import psycopg2

        psycopg2.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:
        from tests.conftest import require_service

        require_service("PostgreSQL at 127.0.0.1:5432", str(exc))
    name = f"wh_test_{uuid.uuid4().hex[:8]}"
    yield name
    with Warehouse(PG_URL) as wh:
        wh.execute(f"drop schema if exists {name} cascade")
        wh.execute(f"drop schema if exists {name}_staging cascade")


def drop_roles(*names: str) -> None:
    """Drop test roles (revoking what they were granted first); missing roles are ignored."""
    from talenta.warehouse.db import Warehouse

    with Warehouse(PG_URL) as wh:
        for name in names:
            if wh.scalar("select count(*) from pg_roles where rolname = ?", [name]):
                wh.execute(f"drop owned by {name}")
                wh.execute(f"drop role {name}")


@pytest.fixture
def pg_roles(pg_schema):
    """Unique analyst and region group roles for one test, dropped after it (roles are cluster-wide)."""
    from talenta.warehouse.security import Roles

    tag = uuid.uuid4().hex[:8]
    roles = Roles(analyst=f"t_analyst_{tag}", region=f"t_region_{tag}")
    yield roles
    drop_roles(roles.analyst, roles.region)
