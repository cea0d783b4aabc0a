"""REST connector against the real synthetic HTTP server, with each fault switched on."""

from __future__ import annotations

import json
import time

import pyarrow.parquet as pq
import pytest

from talenta.sources.connectors.rest import RestConnector
from talenta.sources.credentials import get_connection
from talenta.sources.dialects import get_dialect
from talenta.sources.errors import CredentialError, FetchError

SID = "p012"  # rest_simpeg_v2


def connector(world, **options) -> RestConnector:
    conn = get_connection(f"talenta_src_{SID}", connections_file=world / "connections.json")
    base = f"http://{conn.host}:{conn.port}{conn.extra['base_path']}"
    options = {"page_size": 5, "backoff_s": 0.01, **options}
    return RestConnector(SID, get_dialect("rest_simpeg_v2"), base, conn.password, **options)


def truth_nips(world) -> list[str]:
    truth = pq.read_table(world / "truth" / "employee.parquet").to_pandas()
    return sorted(truth[truth.source_id == SID].nip)


def extracted_nips(ext) -> list[str]:
    return sorted(ext.table.column("nipBaru").to_pylist())


def test_pages_all_records_with_row_refs(world, api):
    with connector(world) as rest:
        ext = rest.extract("employee")
    assert extracted_nips(ext) == truth_nips(world)
    assert ext.table.column("source_row_ref")[0].as_py() == "page=1:0"
    assert ext.manifest["rows"] == len(truth_nips(world)) and ext.manifest["watermark"]
    assert ext.manifest["requests"] == -(-len(truth_nips(world)) // 5)


@pytest.mark.parametrize("fault", [{"rate_limit_every": 3}, {"error_every": 2}, {"slow_ms": 30},
                                   {"repeat_page": 2}, {"skip_page": 2}])
def test_recovers_from_fault(world, api, set_faults, fault):
    set_faults(SID, **fault)
    started = time.perf_counter()
    with connector(world) as rest:
        ext = rest.extract("employee")
        retries = rest.retries
    assert extracted_nips(ext) == truth_nips(world), fault
    if "rate_limit_every" in fault:  # Retry-After: 1 honoured
        assert retries >= 1 and time.perf_counter() - started >= 1.0
    if "error_every" in fault:
        assert retries >= 1


def test_always_failing_api_fails_clearly_within_budget(world, api, set_faults):
    set_faults(SID, always_fail=True)
    with connector(world, max_retries=3) as rest, pytest.raises(FetchError) as err:
        rest.extract("employee")
    assert "after 4 attempts" in str(err.value) and SID in str(err.value) and "What to do" in str(err.value)


def test_request_budget_stops_a_flaky_source(world, api, set_faults):
    set_faults(SID, error_every=2)
    with connector(world, request_budget=2) as rest, pytest.raises(FetchError, match="budget of 2"):
        rest.extract("employee")


def test_bad_token_is_a_credential_error_without_the_token(world, api):
    conn = get_connection(f"talenta_src_{SID}", connections_file=world / "connections.json")
    rest = RestConnector(SID, get_dialect("rest_simpeg_v2"), f"http://{conn.host}:{conn.port}/s/{SID}", "wrong")
    with rest, pytest.raises(CredentialError) as err:
        rest.extract("employee")
    assert conn.password not in str(err.value) and "401" in str(err.value)


def test_updated_since_reads_only_changed_records(world, api):
    with connector(world) as rest:
        full = rest.extract("employee")
        newest = full.manifest["watermark"]
        again = rest.extract("employee", since=newest)
    assert 0 < again.rows < full.rows or again.rows == sum(
        1 for r in full.table.column("updatedAt").to_pylist() if r and r >= newest[:10])
    assert again.manifest["mode"] == "incremental"


def test_connection_repr_hides_password(world):
    conn = get_connection(f"talenta_src_{SID}", connections_file=world / "connections.json")
    assert conn.password and conn.password not in repr(conn) and conn.password not in json.dumps(str(conn))
