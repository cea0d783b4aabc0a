"""Who may read which report: principals, scopes and the standalone token store.

A *scope* is an ``instansi_id`` (``D3578`` = Pemerintah Kota Surabaya, ``P001`` = a central agency) or
``BKN`` (sees everything). Every report file has one scope, recorded in ``index.json`` by the build.

Two ways to prove who you are (see :mod:`talenta.reports.portal`):

* **Inside Airflow** (the plugin): the Airflow 3 JWT of the logged-in user (``_token`` cookie or
  ``Authorization: Bearer``), checked by Airflow's auth manager. The Airflow user name is mapped to a scope
  by ``TALENTA_REPORTS_USERS`` (JSON object ``{"<airflow user>": "<scope>"}``) or the JSON file named by
  ``TALENTA_REPORTS_USERS_FILE``. A valid Airflow user with no mapping is refused (403): fail closed.
* **Standalone** (``talenta reports serve``): per-region bearer tokens. Only their SHA-256 digests are
  configured, in ``TALENTA_REPORTS_TOKENS`` (JSON list of ``{"name", "scope", "sha256"}``) or the JSON
  file named by ``TALENTA_REPORTS_TOKENS_FILE``; ``talenta reports token --scope D3578`` prints a new token
  once and the entry to add. No token is stored in clear anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BKN_SCOPE = "BKN"


class AccessConfigError(ValueError):
    """The access configuration is invalid; the message names the variable or file and what to fix."""


@dataclass(frozen=True)
class Principal:
    """An authenticated reader and the scope they may read."""

    name: str
    scope: str

    @property
    def is_bkn(self) -> bool:
        """True for BKN's national role, which reads every page."""
        return self.scope.upper() == BKN_SCOPE

    def can_read(self, file_scope: str) -> bool:
        """Whether this reader may read a file of ``file_scope`` (its own agency, or BKN for all)."""
        return self.is_bkn or self.scope.upper() == str(file_scope).upper()


def hash_token(token: str) -> str:
    """The SHA-256 hex digest a token is configured by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(scope: str, name: str) -> tuple[str, dict[str, str]]:
    """A fresh random token and the configuration entry (digest only) that grants it ``scope``."""
    token = secrets.token_urlsafe(32)
    return token, {"name": name, "scope": scope.upper(), "sha256": hash_token(token)}


def _load_json(env_inline: str, env_file: str) -> Any:
    inline = os.environ.get(env_inline)
    path = os.environ.get(env_file)
    try:
        if inline:
            return json.loads(inline)
        if path:
            return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        where = env_inline if inline else f"{env_file}={path}"
        raise AccessConfigError(f"cannot read {where}: {exc}; fix the JSON (see talenta.reports.access)") from exc
    return None


def load_token_entries() -> list[dict[str, str]]:
    """The configured standalone tokens (digests and scopes); empty when none are configured."""
    raw = _load_json("TALENTA_REPORTS_TOKENS", "TALENTA_REPORTS_TOKENS_FILE") or []
    if not isinstance(raw, list):
        raise AccessConfigError("TALENTA_REPORTS_TOKENS must be a JSON list of {name, scope, sha256} objects")
    for i, entry in enumerate(raw):
        digest = str(entry.get("sha256", "")) if isinstance(entry, dict) else ""
        if len(digest) != 64 or not entry.get("scope"):
            raise AccessConfigError(f"TALENTA_REPORTS_TOKENS entry {i}: needs 'scope' and a 64-hex 'sha256'")
    return raw


def principal_for_token(token: str | None, entries: list[dict[str, str]]) -> Principal | None:
    """The principal a standalone token belongs to, or ``None`` (compared in constant time)."""
    if not token:
        return None
    digest = hash_token(token)
    found = None
    for entry in entries:
        if hmac.compare_digest(digest, str(entry["sha256"]).lower()):
            found = Principal(str(entry.get("name") or entry["scope"]), str(entry["scope"]).upper())
    return found


def load_user_scopes() -> dict[str, str]:
    """Airflow user name → scope, for the plugin; empty when not configured (then nobody gets in)."""
    raw = _load_json("TALENTA_REPORTS_USERS", "TALENTA_REPORTS_USERS_FILE") or {}
    if not isinstance(raw, dict):
        raise AccessConfigError('TALENTA_REPORTS_USERS must be a JSON object {"<airflow user>": "<scope>"}')
    return {str(k): str(v).upper() for k, v in raw.items()}
