"""Connection lookup for sources: ``AIRFLOW_CONN_<ID>`` (URI or JSON), a connections file, or Airflow.

Order: the environment variable (how tests and the embedded runtime pass connections), then an explicit
connections file in Airflow's LocalFilesystemBackend JSON format (what ``talenta synth`` writes), then
Airflow's own connection lookup when running inside a task. A :class:`ConnInfo` never prints its password.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from talenta.sources.errors import CredentialError


@dataclass(frozen=True)
class ConnInfo:
    """The parts of an Airflow Connection a connector needs."""

    conn_id: str
    conn_type: str
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    schema: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"ConnInfo(conn_id={self.conn_id!r}, conn_type={self.conn_type!r}, host={self.host!r}, "
                f"port={self.port!r}, login={self.login!r}, password={'***' if self.password else None}, "
                f"schema={self.schema!r})")

    __str__ = __repr__


def _extra(value: Any) -> dict[str, Any]:
    if not value:
        return {}
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except (TypeError, json.JSONDecodeError):
        return {}


def from_json(conn_id: str, doc: dict[str, Any]) -> ConnInfo:
    """A connection from Airflow's JSON form (``conn_type``, ``host``, ``port``, ``login``, ...)."""
    port = doc.get("port")
    return ConnInfo(conn_id, str(doc.get("conn_type") or ""), doc.get("host"), int(port) if port else None,
                    doc.get("login"), doc.get("password"), doc.get("schema"), _extra(doc.get("extra")))


def from_uri(conn_id: str, uri: str) -> ConnInfo:
    """A connection from Airflow's URI form (``mysql://user:pw@host:3306/schema?key=value``)."""
    parts = urlsplit(uri)
    query = dict(parse_qsl(parts.query))
    extra = _extra(query.pop("__extra__", None)) or query
    return ConnInfo(conn_id, parts.scheme.replace("-", "_"), unquote(parts.hostname or "") or None, parts.port,
                    unquote(parts.username) if parts.username else None,
                    unquote(parts.password) if parts.password else None,
                    unquote(parts.path.lstrip("/")) or None, extra)


def get_connection(conn_id: str, *, connections_file: Path | None = None) -> ConnInfo:
    """Look a connection up (environment, connections file, then Airflow); a clear error when absent."""
    env = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if env:
        text = env.strip()
        return from_json(conn_id, json.loads(text)) if text.startswith("{") else from_uri(conn_id, text)
    if connections_file is not None and connections_file.exists():
        doc = json.loads(connections_file.read_text(encoding="utf-8"))
        if conn_id in doc:
            entry = doc[conn_id]
            return from_uri(conn_id, entry) if isinstance(entry, str) else from_json(conn_id, entry)
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:  # Airflow raises its own not-found error types by version
        raise CredentialError(
            f"no connection {conn_id} ({type(exc).__name__})", where="connection lookup",
            hint=f"create Airflow connection {conn_id} or set AIRFLOW_CONN_{conn_id.upper()}") from None
    return ConnInfo(conn_id, conn.conn_type or "", conn.host, conn.port, conn.login, conn.password, conn.schema,
                    _extra(conn.extra))


def sqlalchemy_url(conn: ConnInfo) -> str:
    """SQLAlchemy URL for a sql_db connection (sqlite file, mysql/mariadb via pymysql, postgres)."""
    from sqlalchemy.engine import URL

    kind = conn.conn_type.lower()
    if kind == "sqlite":
        return f"sqlite:///{conn.host or conn.schema}"
    driver = {"mysql": "mysql+pymysql", "mariadb": "mysql+pymysql", "postgres": "postgresql+psycopg2",
              "postgresql": "postgresql+psycopg2"}.get(kind)
    if driver is None:
        raise CredentialError(f"connection type {conn.conn_type!r} is not a SQL database",
                              where=f"connection {conn.conn_id}", hint="use sqlite, mysql or postgres")
    url = URL.create(driver, username=conn.login, password=conn.password, host=conn.host, port=conn.port,
                     database=conn.schema)
    return url.render_as_string(hide_password=False)
