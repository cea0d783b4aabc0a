"""A small Airflow REST API v2 client, as an operator's script would use it (httpx, JWT bearer token).

The token comes from ``POST /auth/token`` of the SimpleAuthManager with a user of
``AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS`` and its password from the generated passwords file
(``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated``). Passwords and tokens are never logged.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

TERMINAL_RUN_STATES = frozenset({"success", "failed"})


class AirflowApiError(RuntimeError):
    """A REST call failed; the message names the method, path, status and Airflow's answer."""


class AirflowClient:
    """REST API v2 client bound to one api-server and one user."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._username = username
        self._password = password
        self._token: str | None = None

    @classmethod
    def from_passwords_file(cls, base_url: str, passwords_file: Path | str, *, username: str = "admin",
                            wait_s: float = 30.0) -> AirflowClient:
        """Client for ``username`` whose password is in the SimpleAuthManager's generated JSON file."""
        path = Path(passwords_file)
        deadline = time.monotonic() + wait_s
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        if not path.exists():
            raise AirflowApiError(f"passwords file {path} not found; is the api-server running with this AIRFLOW_HOME?")
        passwords = json.loads(path.read_text())
        if username not in passwords:
            raise AirflowApiError(f"user {username!r} is not in {path}; add it to "
                                  "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS and restart the api-server")
        return cls(base_url, username, passwords[username])

    # -- plumbing ----------------------------------------------------------------------------------
    def login(self) -> str:
        """Get a JWT from ``POST /auth/token``."""
        resp = self._http.post("/auth/token", json={"username": self._username, "password": self._password})
        if resp.status_code not in (200, 201):
            raise AirflowApiError(f"POST /auth/token for user {self._username!r}: HTTP {resp.status_code} "
                                  f"{resp.text[:300]}")
        self._token = resp.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (200, 201, 204), **kwargs) -> Any:
        """One authenticated call; re-login once on 401 (token expiry); JSON answer or None."""
        for attempt in (1, 2):
            if self._token is None:
                self.login()
            resp = self._http.request(method, path, headers={"Authorization": f"Bearer {self._token}"}, **kwargs)
            if resp.status_code == 401 and attempt == 1:
                self._token = None
                continue
            break
        if resp.status_code not in ok:
            raise AirflowApiError(f"{method} {path}: HTTP {resp.status_code} {resp.text[:500]}")
        return resp.json() if resp.content else None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> AirflowClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- DAGs and runs -----------------------------------------------------------------------------
    def dag_ids(self) -> list[str]:
        """Ids of the DAGs the dag-processor has serialized."""
        return [d["dag_id"] for d in self.request("GET", "/api/v2/dags", params={"limit": 1000})["dags"]]

    def import_errors(self) -> list[dict]:
        """DAG files that failed to import (filename and stack trace)."""
        return self.request("GET", "/api/v2/importErrors", params={"limit": 1000})["import_errors"]

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 120.0) -> None:
        """Wait until every DAG in ``dag_ids`` is parsed; fail with the import errors if one is not."""
        deadline = time.monotonic() + timeout
        while True:
            missing = sorted(set(dag_ids) - set(self.dag_ids()))
            if not missing:
                return
            if time.monotonic() > deadline:
                errors = "; ".join(f"{e['filename']}: {e['stack_trace'][-300:]}" for e in self.import_errors())
                raise AirflowApiError(f"DAGs {missing} not parsed after {timeout:.0f}s; import errors: {errors or 'none'}")
            time.sleep(2.0)

    def set_paused(self, dag_id: str, paused: bool) -> dict:
        """Pause or unpause a DAG."""
        return self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})

    def unpause(self, dag_id: str) -> dict:
        """Unpause a DAG (DAGs are created paused)."""
        return self.set_paused(dag_id, False)

    def trigger(self, dag_id: str, conf: dict | None = None, *, logical_date: str | None = None,
                run_id: str | None = None) -> dict:
        """Trigger a DAG run with ``conf``; ``logical_date`` is an ISO datetime with timezone or None."""
        body: dict[str, Any] = {"logical_date": logical_date, "conf": conf or {}}
        if run_id:
            body["dag_run_id"] = run_id
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)

    def dag_runs(self, dag_id: str) -> list[dict]:
        """Every run of a DAG, oldest first."""
        data = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100, "order_by": "id"})
        return data["dag_runs"]

    def dag_run(self, dag_id: str, run_id: str) -> dict:
        """One DAG run."""
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def set_run_state(self, dag_id: str, run_id: str, state: str) -> dict:
        """Mark a run ``success`` or ``failed`` (running tasks are stopped), e.g. to skip a scheduled run."""
        return self.request("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", json={"state": state})

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """Task instances of one run (mapped instances included)."""
        data = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                            params={"limit": 1000})
        return data["task_instances"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300.0, poll: float = 2.0) -> dict:
        """Poll until the run is success or failed; raise with task states on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.dag_run(dag_id, run_id)
            if run["state"] in TERMINAL_RUN_STATES:
                return run
            if time.monotonic() > deadline:
                states = {t["task_id"]: t["state"] for t in self.task_instances(dag_id, run_id)}
                raise AirflowApiError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f}s; "
                                      f"tasks: {states}")
            time.sleep(poll)

    def wait_for_any_run(self, dag_id: str, *, after: int = 0, timeout: float = 300.0,
                         poll: float = 2.0, run_type: str | None = None) -> dict:
        """Wait for the first run of ``dag_id`` (of ``run_type``, e.g. ``asset_triggered``, if given)
        beyond the ``after`` runs already there to finish; asset-triggered runs have no id known in advance."""
        deadline = time.monotonic() + timeout
        while True:
            runs = [r for r in self.dag_runs(dag_id) if run_type is None or r["run_type"] == run_type]
            if len(runs) > after:
                remaining = max(1.0, deadline - time.monotonic())
                return self.wait_for_run(dag_id, runs[after]["dag_run_id"], timeout=remaining, poll=poll)
            if time.monotonic() > deadline:
                raise AirflowApiError(f"no new run of {dag_id} within {timeout:.0f}s (is it unpaused and "
                                      "is its asset emitted?)")
            time.sleep(poll)

    # -- pools -------------------------------------------------------------------------------------
    def pools(self) -> dict[str, int]:
        """Pool name -> slots."""
        data = self.request("GET", "/api/v2/pools", params={"limit": 1000})
        return {p["name"]: p["slots"] for p in data["pools"]}

    def set_pool(self, name: str, slots: int, description: str = "") -> None:
        """Create or resize a pool."""
        body = {"name": name, "slots": slots, "description": description, "include_deferred": False}
        if name in self.pools():
            self.request("PATCH", f"/api/v2/pools/{name}", json=body)
        else:
            self.request("POST", "/api/v2/pools", json=body)
