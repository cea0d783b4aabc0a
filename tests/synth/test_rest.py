"""The REST server over real HTTP on loopback: auth, pagination, updated_since and every fault."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from talenta.synth import server

SOURCE = "p008"        # rest_siasn_like: /simpeg/employees, updated column last_modified


@pytest.fixture(scope="module")
def api(clean_world: Path) -> Iterator[tuple[str, str, Path]]:
    srv, _ = server.start_background(clean_world)
    conn = json.loads((clean_world / "connections.json").read_text())[f"talenta_src_{SOURCE}"]
    base = f"http://127.0.0.1:{conn['port']}{conn['extra']['base_path']}"
    yield base, conn["password"], clean_world
    srv.shutdown()
    srv.server_close()
    (clean_world / "sources" / SOURCE / "api" / "faults.json").write_text("{}")


def _faults(world: Path, **faults: object) -> None:
    (world / "sources" / SOURCE / "api" / "faults.json").write_text(json.dumps(faults))


def _get(base: str, token: str, **params: object) -> httpx.Response:
    return httpx.get(f"{base}/simpeg/employees", params=params, headers={"Authorization": f"Bearer {token}"},
                     timeout=10)


def test_connections_carry_the_port_and_auth_is_enforced(api: tuple[str, str, Path]) -> None:
    base, token, _ = api
    assert _get(base, "wrong-token").status_code == 401
    assert httpx.get(f"{base}/simpeg/employees", timeout=10).status_code == 401
    assert _get(base, token).status_code == 200
    assert httpx.get(f"{base}/no/such/table", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 404


def test_pages_cover_every_record_once(api: tuple[str, str, Path]) -> None:
    base, token, world = api
    _faults(world)
    truth = pq.read_table(world / "truth" / "employee.parquet").to_pandas()
    expected = sorted(truth.loc[truth["source_id"] == SOURCE, "nip"])
    first = _get(base, token, page=1, page_size=7).json()
    assert first["total"] == len(expected) and first["total_pages"] == -(-len(expected) // 7)
    nips = []
    for page in range(1, first["total_pages"] + 1):
        body = _get(base, token, page=page, page_size=7).json()
        assert body["page"] == page and len(body["data"]) <= 7
        nips += [r["nip"] for r in body["data"]]
    assert sorted(nips) == expected
    assert _get(base, token, page=first["total_pages"] + 1, page_size=7).json()["data"] == []
    assert _get(base, token, page_size=99999).status_code == 400


def test_updated_since_filters_on_the_vendor_timestamp(api: tuple[str, str, Path]) -> None:
    base, token, world = api
    _faults(world)
    truth = pq.read_table(world / "truth" / "employee.parquet").to_pandas()
    mine = truth[truth["source_id"] == SOURCE]
    cutoff = mine["updated_at"].sort_values().iloc[len(mine) // 2]
    body = _get(base, token, page_size=5000, updated_since=cutoff.isoformat()).json()
    assert body["total"] == int((mine["updated_at"] >= cutoff).sum())
    assert 0 < body["total"] < len(mine)
    assert _get(base, token, updated_since="not-a-date").status_code == 400
    perf = httpx.get(f"{base}/simpeg/performance", params={"updated_since": "2025-01-01T00:00:00"},
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert perf.status_code == 400  # performance has no updated column in this dialect


def test_rate_limit_and_server_errors(api: tuple[str, str, Path]) -> None:
    base, token, world = api
    _faults(world, rate_limit_every=2)
    statuses = [_get(base, token).status_code for _ in range(4)]
    assert statuses.count(429) == 2 and statuses.count(200) == 2
    limited = next(r for r in (_get(base, token) for _ in range(2)) if r.status_code == 429)
    assert limited.headers["Retry-After"] == "1"
    _faults(world, error_every=3)
    statuses = [_get(base, token).status_code for _ in range(6)]
    assert statuses.count(500) == 2
    _faults(world, always_fail=True)
    assert {_get(base, token).status_code for _ in range(3)} == {503}


def test_slow_repeat_and_skip_pages(api: tuple[str, str, Path]) -> None:
    base, token, world = api
    _faults(world, slow_ms=300)
    started = time.perf_counter()
    assert _get(base, token).status_code == 200
    assert time.perf_counter() - started >= 0.3
    _faults(world)
    pages = {p: _get(base, token, page=p, page_size=5).json()["data"] for p in (1, 2, 3)}
    _faults(world, repeat_page=2)
    assert _get(base, token, page=2, page_size=5).json()["data"] == pages[1]   # first call repeats page 1
    assert _get(base, token, page=2, page_size=5).json()["data"] == pages[2]   # then the right page
    _faults(world, skip_page=2)
    assert _get(base, token, page=2, page_size=5).json()["data"] == pages[3]   # page 2's records skipped once
    assert _get(base, token, page=2, page_size=5).json()["data"] == pages[2]


def test_record_timestamps_use_the_dialect_format(api: tuple[str, str, Path]) -> None:
    base, token, world = api
    _faults(world)
    record = _get(base, token, page_size=1).json()["data"][0]
    dt.datetime.strptime(record["last_modified"], "%d-%m-%Y %H:%M:%S")
    dt.datetime.strptime(record["date_of_birth"], "%d-%m-%Y")
