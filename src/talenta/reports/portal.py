"""The reports portal: a FastAPI app serving the built reports to the scope that owns them.

It fails closed: every route needs a principal (401 without credentials or with an unknown one, 403 for a
known user with no scope or another region's file), and only files listed in ``index.json`` are served:
no path from a request is ever joined to the filesystem without first being found in that list, and the
resolved file must still lie under the reports root. Every response carries a Content-Security-Policy
with ``frame-ancestors 'self'`` (the Airflow UI may frame it, nobody else) and no scripts.

Two authenticators (see :mod:`talenta.reports.access` for their configuration):
:class:`AirflowJWTAuth` for the Airflow plugin, :class:`StaticTokenAuth` for ``talenta reports serve``.
This module imports only FastAPI and the standard library, so the Airflow plugin can load it cheaply.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse

from talenta.reports.access import (
    Principal,
    load_token_entries,
    load_user_scopes,
    principal_for_token,
)

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TOKEN_COOKIE = "talenta_reports_token"
AIRFLOW_COOKIE = "_token"  # airflow.api_fastapi.auth.managers.base_auth_manager.COOKIE_NAME_JWT_TOKEN
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".csv": "text/csv; charset=utf-8",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".json": "application/json"}

Authenticator = Callable[[Request], Awaitable[Principal]]


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class StaticTokenAuth:
    """Standalone mode: a per-region bearer token (header or ``talenta_reports_token`` cookie)."""

    def __init__(self, entries: list[dict[str, str]] | None = None):
        self.entries = load_token_entries() if entries is None else entries

    async def __call__(self, request: Request) -> Principal:
        """The principal of the request's token; 401 when missing or unknown."""
        token = _bearer(request) or request.cookies.get(TOKEN_COOKIE)
        if not token:
            raise _unauthorized("token required: send 'Authorization: Bearer <token>' (ask BKN for your region's token)")
        principal = principal_for_token(token, self.entries)
        if principal is None:
            raise _unauthorized("unknown token; ask BKN for a valid token for your region")
        return principal


class AirflowJWTAuth:
    """Inside Airflow: the user's Airflow 3 JWT, checked by the api-server's auth manager, mapped to a scope."""

    def __init__(self, user_scopes: dict[str, str] | None = None):
        # None: read the mapping on every request, so BKN can change it without restarting the api-server
        # and a broken mapping refuses requests instead of breaking the plugin import.
        self.user_scopes = user_scopes

    async def __call__(self, request: Request) -> Principal:
        """The principal of the request's Airflow user; 401 without a valid JWT, 403 without a scope."""
        token = _bearer(request) or request.cookies.get(AIRFLOW_COOKIE)
        if not token:
            raise _unauthorized("log in to Airflow first")
        from airflow.api_fastapi.app import get_auth_manager

        try:
            user = await get_auth_manager().get_user_from_token(token)
        except Exception as exc:
            # Any failure to validate (expired, bad signature, auth manager down) must refuse, never pass.
            raise _unauthorized(f"invalid Airflow token ({type(exc).__name__})") from None
        name = user.get_name()
        scope = (load_user_scopes() if self.user_scopes is None else self.user_scopes).get(name)
        if not scope:
            raise HTTPException(403, f"Airflow user {name!r} has no report scope; BKN adds it to TALENTA_REPORTS_USERS")
        return Principal(name, scope)


class ReportIndex:
    """The built ``index.json``, re-read when it changes (a new build swaps the whole folder)."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: tuple[float, dict[str, Any]] | None = None

    def load(self) -> dict[str, Any]:
        """The current index (empty when no report was built yet)."""
        path = self.root / "index.json"
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return {"files": {}}
        if self._cache is None or self._cache[0] != mtime:
            self._cache = (mtime, json.loads(path.read_text(encoding="utf-8")))
        return self._cache[1]

    def visible(self, principal: Principal) -> dict[str, dict[str, Any]]:
        """The files this principal may read."""
        return {p: meta for p, meta in self.load().get("files", {}).items() if principal.can_read(meta["scope"])}


def create_app(*, root: Path | None = None, authenticator: Authenticator | None = None) -> FastAPI:
    """The portal app over the reports folder ``root`` (default ``reports_dir()/dq``)."""
    if root is None:
        from talenta.settings import reports_dir

        root = reports_dir() / "dq"
    auth = authenticator or StaticTokenAuth()
    index = ReportIndex(Path(root))
    app = FastAPI(title="Talenta data-quality reports", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    async def principal(request: Request) -> Principal:
        return await auth(request)

    @app.get("/", response_class=HTMLResponse)
    async def home(who: Principal = Depends(principal)) -> HTMLResponse:
        """The pages this reader may open (BKN: the national page first)."""
        files = index.visible(who)
        pages = sorted((p for p, m in files.items() if m["kind"] in ("national", "region")),
                       key=lambda p: (files[p]["kind"] != "national", p))
        if len(pages) == 1:
            return RedirectResponse(f"files/{pages[0]}", status_code=303)
        items = "".join(f'<li><a href="files/{html.escape(p)}">{html.escape(p)}</a></li>' for p in pages)
        date = html.escape(str(index.load().get("logical_date", "—")))
        return HTMLResponse(f"<!doctype html><html lang='id'><head><meta charset='utf-8'><title>Laporan kualitas "
                            f"data</title></head><body><h1>Laporan kualitas data / Data-quality reports</h1>"
                            f"<p>{html.escape(who.name)} · {date}</p><ul>{items or '<li>—</li>'}</ul></body></html>")

    @app.get("/index.json")
    async def listing(who: Principal = Depends(principal)) -> JSONResponse:
        """The index, reduced to the files this reader may read."""
        data = index.load()
        return JSONResponse({"logical_date": data.get("logical_date"), "files": index.visible(who)})

    @app.get("/files/{path:path}")
    async def serve(path: str, who: Principal = Depends(principal)) -> FileResponse:
        """One report file, if it is in the index and belongs to the reader's scope."""
        meta = index.load().get("files", {}).get(path)
        if meta is None:
            raise HTTPException(404, "no such report file")
        if not who.can_read(meta["scope"]):
            raise HTTPException(403, "this report belongs to another region")
        base = Path(root).resolve()
        target = (base / path).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            raise HTTPException(404, "no such report file")
        media = MEDIA_TYPES.get(target.suffix, "application/octet-stream")
        headers = {} if target.suffix == ".html" else {
            "Content-Disposition": f'attachment; filename="{meta.get("source_id", "report")}-{target.name}"'}
        return FileResponse(target, media_type=media, headers=headers)

    return app


def create_airflow_app(root: Path | None = None) -> FastAPI:
    """The portal as mounted by the Airflow plugin: Airflow JWT users mapped to scopes."""
    return create_app(root=root, authenticator=AirflowJWTAuth())
