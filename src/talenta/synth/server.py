"""The REST server of every synthetic ``rest_api`` source: one threaded HTTP server on loopback.

``GET /s/<source_id><table path>?page=&page_size=&updated_since=`` with ``Authorization: Bearer <token>``
(tokens from ``connections.json``). Faults per source come from ``sources/<id>/api/faults.json``:
``rate_limit_every`` (429 + ``Retry-After: 1``), ``error_every`` (500), ``slow_ms``, ``repeat_page`` (the
first call of page p returns page p-1's records), ``skip_page`` (the first call of page p returns page
p+1's records), ``always_fail`` (503 on every call).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from talenta.lake.layout import write_json_atomic
from talenta.sources.dialects import get_dialect
from talenta.sources.registry import get_source
from talenta.synth.render import timestamp_format

MAX_PAGE_SIZE = 5000
DEFAULT_PAGE_SIZE = 500
# Entities kept parsed in memory (least recently used dropped): a sync reads source by source, entity by
# entity, so a few suffice, and a national world's REST data does not pile up in the server.
CACHED_ENTITIES = 8


class _Records:
    """One entity's records as the JSON lines of its file, parsed only when a filter needs the values.

    A page is sent as the raw lines joined into a JSON array: the simulator shares this machine's cores
    with the sync it feeds, and parsing and re-serialising every record (as a real server's database
    driver and JSON encoder would, on its own machine) cost as much CPU as the client's whole extract.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._parsed: list[dict] | None = None

    def parsed(self) -> list[dict]:
        if self._parsed is None:
            self._parsed = [json.loads(x) for x in self.lines]
        return self._parsed


class SynthApi:
    """State shared by the request handlers: records, tokens, fault counters."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        conns = json.loads((self.root / "connections.json").read_text())
        self.tokens = {cid.removeprefix("talenta_src_"): c.get("password") for cid, c in conns.items()
                       if c.get("conn_type") == "http"}
        self.lock = threading.Lock()
        self.requests: dict[str, int] = {}
        self.served_once: set[tuple[str, str, int]] = set()
        self.cache: dict[tuple[str, str], tuple[int, _Records]] = {}
        self.routes: dict[tuple[str, str], str] = {}
        for sid in self.tokens:
            dialect = get_dialect(get_source(sid).dialect)
            for entity, mapping in dialect.entities.items():
                self.routes[(sid, mapping.table)] = entity

    def records(self, sid: str, entity: str) -> _Records:
        """All records of one entity (kept in memory until the file changes, e.g. after ``advance``, or
        until ``CACHED_ENTITIES`` other entities were read since)."""
        path = self.root / "sources" / sid / "api" / f"{entity}.jsonl"
        stamp = path.stat().st_mtime_ns if path.exists() else 0
        with self.lock:
            cached = self.cache.pop((sid, entity), None)
            if cached is None or cached[0] != stamp:
                lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
                cached = (stamp, _Records([x for x in lines if x]))
            self.cache[(sid, entity)] = cached  # most recently used last
            while len(self.cache) > CACHED_ENTITIES:
                self.cache.pop(next(iter(self.cache)))
            return cached[1]

    def faults(self, sid: str) -> dict:
        """The source's fault settings (re-read on each call, so tests can change them live)."""
        path = self.root / "sources" / sid / "api" / "faults.json"
        return json.loads(path.read_text()) if path.exists() else {}


class _Handler(BaseHTTPRequestHandler):
    api: SynthApi
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Silence per-request logging (tokens never reach a log)."""

    def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self._send_body(status, json.dumps(payload).encode("utf-8"), headers)

    def _send_body(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Serve one page of one entity of one source, with auth and faults."""
        parts = urlsplit(self.path)
        segs = parts.path.split("/", 3)
        if len(segs) < 4 or segs[1] != "s":
            return self._send(404, {"error": f"unknown path {parts.path}; expected /s/<source_id>/<table path>"})
        sid, table = segs[2], "/" + segs[3]
        api = self.api
        entity = api.routes.get((sid, table))
        if sid not in api.tokens or entity is None:
            return self._send(404, {"error": f"no endpoint {table} for source {sid}"})
        if self.headers.get("Authorization", "") != f"Bearer {api.tokens[sid]}":
            return self._send(401, {"error": "missing or invalid bearer token"})
        faults = api.faults(sid)
        with api.lock:
            api.requests[sid] = count = api.requests.get(sid, 0) + 1
        if faults.get("slow_ms"):
            time.sleep(faults["slow_ms"] / 1000)
        if faults.get("always_fail"):
            return self._send(503, {"error": f"source {sid} is unavailable"})
        if faults.get("rate_limit_every") and count % faults["rate_limit_every"] == 0:
            return self._send(429, {"error": "rate limited"}, {"Retry-After": "1"})
        if faults.get("error_every") and count % faults["error_every"] == 0:
            return self._send(500, {"error": "internal server error"})
        q = parse_qs(parts.query)
        try:
            page = int(q.get("page", ["1"])[0])
            size = int(q.get("page_size", [str(DEFAULT_PAGE_SIZE)])[0])
            if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
                raise ValueError
        except ValueError:
            return self._send(400, {"error": f"page must be >= 1 and page_size 1..{MAX_PAGE_SIZE}"})
        records = api.records(sid, entity)
        lines = records.lines
        since = q.get("updated_since", [None])[0]
        if since:
            dialect = get_dialect(get_source(sid).dialect)
            column = dialect.entities[entity].updated_column
            if column is None:
                return self._send(400, {"error": f"{table} does not support updated_since"})
            try:
                cutoff = dt.datetime.fromisoformat(since)
            except ValueError:
                return self._send(400, {"error": f"updated_since {since!r} is not an ISO datetime"})
            fmt = timestamp_format(dialect)
            lines = [line for line, r in zip(lines, records.parsed(), strict=True)
                     if r.get(column) and dt.datetime.strptime(r[column], fmt) >= cutoff]
        total = len(lines)
        pages = max(1, -(-total // size))
        served = page
        with api.lock:
            for key, shift in (("repeat_page", -1), ("skip_page", 1)):
                marker = (sid, f"{key}:{entity}:{size}", page)
                if faults.get(key) == page and marker not in api.served_once:
                    api.served_once.add(marker)
                    served = page + shift
        data = lines[(served - 1) * size: served * size] if served >= 1 else []
        meta = json.dumps({"page": page, "page_size": size, "total": total, "total_pages": pages})
        body = ('{"data": [' + ", ".join(data) + "], " + meta[1:]).encode("utf-8")
        return self._send_body(200, body)


def make_server(root: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server for the world at ``root`` on 127.0.0.1 (``port`` 0 = any free port).

    ``connections.json`` is rewritten with the actual port so Airflow connections point at it.
    """
    handler = type("Handler", (_Handler,), {"api": SynthApi(root)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    path = Path(root) / "connections.json"
    conns = json.loads(path.read_text())
    for conn in conns.values():
        if conn.get("conn_type") == "http":
            conn["port"] = server.server_address[1]
    write_json_atomic(path, conns)
    world_path = Path(root) / "world.json"
    if world_path.exists():
        world = json.loads(world_path.read_text())
        world.setdefault("rest", {})["port"] = server.server_address[1]
        write_json_atomic(world_path, world)
    return server


def start_background(root: Path, port: int = 0) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start the server in a daemon thread (tests, demos); stop it with ``server.shutdown()``."""
    server = make_server(root, port)
    thread = threading.Thread(target=server.serve_forever, name="talenta-synth-api", daemon=True)
    thread.start()
    return server, thread


def serve(root: Path, port: int = 0) -> None:
    """Serve until interrupted (``talenta synth serve``)."""
    server = make_server(root, port)
    print(f"talenta synth: serving REST sources of {root} on http://127.0.0.1:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
