"""Portal: fails closed, scopes every file to its region, refuses traversal; once through a real server."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from talenta.reports.access import new_token
from talenta.reports.portal import AirflowJWTAuth, StaticTokenAuth, create_app


@pytest.fixture
def tokens():
    issued = {scope: new_token(scope, f"user {scope}") for scope in ("D3578", "D35", "BKN")}
    return {scope: tok for scope, (tok, _) in issued.items()}, [entry for _, entry in issued.values()]


@pytest.fixture
def client(built, tokens):
    (built / "secret.txt").write_text("not a report", encoding="utf-8")  # on disk but not in the index
    return TestClient(create_app(root=built, authenticator=StaticTokenAuth(tokens[1])))


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_refuses_without_or_with_a_wrong_token(client):
    for path in ("/", "/index.json", "/files/region/D3578/index.html", "/files/nope"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=_auth("guess")).status_code == 401


def test_region_sees_its_own_pages_only(client, tokens):
    own = _auth(tokens[0]["D3578"])
    r = client.get("/files/region/D3578/index.html", headers=own)
    assert r.status_code == 200 and "Kota Surabaya" in r.text
    assert "frame-ancestors 'self'" in r.headers["content-security-policy"]
    assert client.get("/files/d3578/errors.csv", headers=own).status_code == 200
    for other in ("region/D35/index.html", "d35/index.html", "d35/errors.xlsx", "national/index.html"):
        assert client.get(f"/files/{other}", headers=own).status_code == 403, other
    listed = client.get("/index.json", headers=own).json()["files"]
    assert listed and {m["scope"] for m in listed.values()} == {"D3578"}


def test_bkn_sees_everything(client, tokens):
    bkn = _auth(tokens[0]["BKN"])
    for path in ("national/index.html", "region/D35/index.html", "d3578/errors.xlsx"):
        assert client.get(f"/files/{path}", headers=bkn).status_code == 200
    assert "national/index.html" in client.get("/", headers=bkn).text


def test_cookie_token_works_for_browsers(client, tokens):
    client.cookies.set("talenta_reports_token", tokens[0]["D35"])
    assert client.get("/files/region/D35/index.html").status_code == 200


@pytest.mark.parametrize("path", [
    "/files/..%2F..%2F..%2Fetc%2Fpasswd", "/files/region/D3578/..%2F..%2Fnational%2Findex.html",
    "/files/%2Fetc%2Fpasswd", "/files/secret.txt", "/files/index.json", "/files/region/D3578/",
])
def test_never_serves_paths_outside_the_index(client, tokens, path):
    r = client.get(path, headers=_auth(tokens[0]["BKN"]))
    assert r.status_code in (400, 404) and "root:" not in r.text and "not a report" not in r.text


def test_airflow_mode_fails_closed_without_a_valid_jwt(built):
    client = TestClient(create_app(root=built, authenticator=AirflowJWTAuth({"admin": "BKN"})))
    assert client.get("/files/national/index.html").status_code == 401
    assert client.get("/files/national/index.html", headers=_auth("not.a.jwt")).status_code == 401
    client.cookies.set("_token", "forged")
    assert client.get("/").status_code == 401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_over_a_real_http_server(built, tokens):
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(root=built, authenticator=StaticTokenAuth(tokens[1])),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as http:
            assert http.get("/files/region/D35/index.html").status_code == 401
            own = _auth(tokens[0]["D35"])
            page = http.get("/files/region/D35/index.html", headers=own)
            assert page.status_code == 200 and "<script" not in page.text
            assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
            assert http.get("/files/region/D3578/index.html", headers=own).status_code == 403
            raw = http.get("/files/..%2F..%2F..%2Fetc%2Fpasswd", headers=own)
            assert raw.status_code == 404
    finally:
        server.should_exit = True
        thread.join(timeout=10)
