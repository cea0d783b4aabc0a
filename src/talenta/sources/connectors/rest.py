"""REST connector: a SIMPEG API's paginated JSON, with bearer token, watermark, retries and a budget.

``GET <base><table>?page=p&page_size=n[&updated_since=ISO]`` answers ``{data, page, page_size, total,
total_pages}``. Each page is checked against the reported total: a page with the wrong number of records,
or one that repeats the previous page, is fetched again; if it stays wrong the source fails with a clear
error rather than loading a silently incomplete snapshot. 429 (honouring ``Retry-After``), 5xx, timeouts
and connection errors are retried with exponential backoff and jitter; every request counts against the
source's request budget. The token is sent, never logged.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
import pandas as pd

from talenta.sources.connectors.base import Extract, manifest, parse_timestamps, records_table
from talenta.sources.dialects import Dialect
from talenta.sources.errors import CredentialError, FetchError

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class RestConnector:
    """Reads one REST source. ``base_url`` is ``http://host:port/s/<source_id>``; tables come from the dialect."""

    def __init__(self, source_id: str, dialect: Dialect, base_url: str, token: str | None, *,
                 page_size: int = 500, max_retries: int = 5, backoff_s: float = 0.5, max_backoff_s: float = 30.0,
                 timeout_s: float = 30.0, request_budget: int = 2000, page_refetches: int = 2,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.source_id = source_id
        self.dialect = dialect
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.request_budget = request_budget
        self.page_refetches = page_refetches
        self.requests = 0
        self.retries = 0
        self._sleep = sleep
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(headers=headers, timeout=timeout_s)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def __enter__(self) -> RestConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and response.status_code == 429:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                return float(retry_after)
        base = min(self.max_backoff_s, self.backoff_s * (2 ** attempt))
        return base + random.uniform(0, self.backoff_s)

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        where = f"GET {path} page={params.get('page')}"
        last = ""
        for attempt in range(self.max_retries + 1):
            if self.requests >= self.request_budget:
                raise FetchError(f"request budget of {self.request_budget} requests used up ({last or 'no error'})",
                                 source_id=self.source_id, where=where,
                                 hint="the API is too slow or flaky tonight; re-run the source alone later "
                                      "or raise its budget")
            self.requests += 1
            response = None
            try:
                response = self.client.get(self.base_url + path, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code in (401, 403):
                    raise CredentialError(f"the API refused the token (HTTP {response.status_code})",
                                          source_id=self.source_id, where=where,
                                          hint=f"renew the token in Airflow connection talenta_src_{self.source_id}")
                if response.status_code not in RETRY_STATUS:
                    if response.status_code >= 400:
                        raise FetchError(f"HTTP {response.status_code}: {response.text[:200]}",
                                         source_id=self.source_id, where=where,
                                         hint=f"check the API path against dialect {self.dialect.name}")
                    try:
                        return response.json()
                    except json.JSONDecodeError as exc:
                        last = f"invalid JSON ({exc})"
                else:
                    last = f"HTTP {response.status_code}"
            if attempt < self.max_retries:
                self.retries += 1
                self._sleep(self._delay(attempt, response))
        raise FetchError(f"still failing after {self.max_retries + 1} attempts (last: {last})", unreachable=True,
                         source_id=self.source_id, where=where,
                         hint="the source API is down or overloaded; it will be retried next run, or re-run "
                              "it alone when the regional office confirms it is up")

    def _checked_page(self, path: str, params: dict[str, Any], page: int, body: dict[str, Any], total: int,
                      size: int) -> list[Any]:
        """The page's records, re-fetched while their count disagrees with the reported total."""
        expected = max(0, min(size, total - (page - 1) * size))
        for _ in range(self.page_refetches):
            if len(body.get("data") or []) == expected:
                break
            body = self._get(path, {**params, "page": page})
        data = body.get("data") or []
        if len(data) != expected:
            raise FetchError(f"page {page} returned {len(data)} records, expected {expected} (total {total}, "
                             f"page size {size}) after {self.page_refetches} re-fetches",
                             source_id=self.source_id, where=f"GET {path} page={page}",
                             hint="the API skips or repeats records; nothing of this entity was loaded; "
                                  "report it to the vendor and re-run the source alone")
        return data

    def extract(self, entity: str, *, since: str | None = None) -> Extract:
        """Every record of the entity (changed after ``since`` when the entity has an update column)."""
        started = time.perf_counter()
        mapping = self.dialect.entities[entity]
        path = mapping.table
        params: dict[str, Any] = {"page_size": self.page_size}
        incremental = bool(mapping.updated_column and since)
        if incremental:
            params["updated_since"] = since
        first = self._get(path, {**params, "page": 1})
        total, pages = int(first.get("total", 0)), int(first.get("total_pages", 0))
        size = int(first.get("page_size") or self.page_size)
        got: dict[int, list[Any]] = {}
        for page in range(1, pages + 1):
            body = first if page == 1 else self._get(path, {**params, "page": page})
            got[page] = self._checked_page(path, params, page, body, total, size)
        # A page that repeats another (the API served a neighbour's records) makes both suspect.
        for _ in range(self.page_refetches + 1):
            suspects = _duplicate_pages(got)
            if not suspects:
                break
            for page in suspects:
                got[page] = self._checked_page(path, params, page, self._get(path, {**params, "page": page}),
                                               total, size)
        else:
            raise FetchError(f"pages {sorted(suspects)} keep returning the same records after "
                             f"{self.page_refetches} re-fetches", source_id=self.source_id, where=f"GET {path}",
                             hint="the API repeats or skips records; nothing of this entity was loaded; "
                                  "report it to the vendor and re-run the source alone")
        records: list[dict[str, Any]] = []
        refs: list[str] = []
        for page in sorted(got):
            records.extend(got[page])
            refs.extend(f"page={page}:{i}" for i in range(len(got[page])))
        if len(records) != total:
            raise FetchError(f"received {len(records)} records but the API reported total {total}",
                             source_id=self.source_id, where=f"GET {path}",
                             hint="the data changed during the sync or the API paginates wrongly; re-run")
        table = records_table(records, refs)
        watermark = since
        upd = mapping.updated_column
        if upd and upd in table.column_names:
            stamps = parse_timestamps(pd.Series(table.column(upd).to_pylist(), dtype="string"),
                                      self.dialect.date_format)
            if stamps.notna().any():
                newest = stamps.max().isoformat()
                watermark = max(newest, since) if since else newest
        meta = manifest(table, started=started, finished=time.perf_counter(), origin=f"{self.base_url}{path}",
                        watermark=watermark, mode="incremental" if incremental else "full", since=since,
                        requests=self.requests, retries=self.retries, total_reported=total)
        return Extract(self.source_id, entity, table, meta)


def _duplicate_pages(got: dict[int, list[Any]]) -> set[int]:
    seen: dict[str, list[int]] = {}
    for page, data in got.items():
        if data:
            seen.setdefault(_hash_records(data), []).append(page)
    return {p for pages in seen.values() if len(pages) > 1 for p in pages}


def _hash_records(records: list[Any]) -> str:
    """A page's fingerprint for spotting a page served again in another's place: its size and a few of its
    records (first, middle, last). A repeated page is the same records in the same order, so the sample
    matches; hashing every record cost as much as parsing the page (about a third of the client's CPU)."""
    sample = [len(records), *(records[i] for i in sorted({0, len(records) // 2, len(records) - 1}))]
    return hashlib.sha256(json.dumps(sample, sort_keys=True, default=str).encode()).hexdigest()
