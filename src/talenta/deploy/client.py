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
# Task-instance states that mean the run will not succeed soon: a waiting operator (or test) stops here
# with the task's log instead of sitting out a retry delay.
BAD_TASK_STATES = frozenset({"failed", "up_for_retry", "upstream_failed"})


class AirflowApiError(RuntimeError):
    """A REST call failed; the message names the method, path, status and Airflow's answer."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TaskFailedError(AirflowApiError):
    """A task of a watched run failed or went up for retry; the message holds its log tail."""


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
        extra_headers = kwargs.pop("headers", None) or {}
        for attempt in (1, 2):
            if self._token is None:
                self.login()
            headers = {**extra_headers, "Authorization": f"Bearer {self._token}"}
            resp = self._http.request(method, path, headers=headers, **kwargs)
            if resp.status_code == 401 and attempt == 1:
                self._token = None
                continue
            break
        if resp.status_code not in ok:
            raise AirflowApiError(f"{method} {path}: HTTP {resp.status_code} {resp.text[:500]}", resp.status_code)
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
            time.sleep(1.0)

    def dag(self, dag_id: str) -> dict:
        """One DAG's details (``is_paused``, ``next_dagrun_run_after``, ...)."""
        return self.request("GET", f"/api/v2/dags/{dag_id}")

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

    def skip_scheduled_runs(self, dag_ids: list[str], timeout: float = 15.0) -> list[str]:
        """Mark failed the run that unpausing a time-scheduled DAG starts (see docs/operations.md).

        With ``catchup=False`` the scheduler starts the latest past schedule point on unpause (for
        regional_sync: every source); an operator running one small nation, or a benchmark, skips it.
        Returns the DAG ids whose scheduled run was skipped; returns as soon as every time-scheduled DAG
        of ``dag_ids`` had one, or after ``timeout`` seconds.
        """
        timed = {d for d in dag_ids if self.dag(d).get("next_dagrun_run_after")}
        skipped: set[str] = set()
        deadline = time.monotonic() + timeout
        while skipped != timed and time.monotonic() < deadline:
            for dag_id in sorted(timed - skipped):
                for run in self.dag_runs(dag_id):
                    if run["run_type"] == "scheduled":
                        if run["state"] not in TERMINAL_RUN_STATES:
                            try:
                                self.set_run_state(dag_id, run["dag_run_id"], "failed")
                            except AirflowApiError as exc:
                                # The scheduler may be updating the same run (a database conflict answered
                                # as HTTP 500): look again on the next round instead of giving up.
                                if (exc.status_code or 0) < 500:
                                    raise
                                continue
                        skipped.add(dag_id)
            time.sleep(0.5)
        return sorted(skipped)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str:
        """The log of one task try as text (one line per structured log event, errors with their frames)."""
        data = self.request(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"map_index": map_index, "full_content": True}, headers={"Accept": "application/json"},
        )
        content = (data or {}).get("content", [])
        if isinstance(content, str):
            return content
        lines = []
        for event in content:
            if not isinstance(event, dict):
                lines.append(str(event))
                continue
            line = f"{event.get('timestamp', '')} {event.get('level', '')} {event.get('event', '')}".strip()
            for err in event.get("error_detail") or []:
                where = [f"{f.get('filename')}:{f.get('lineno')} {f.get('name')}" for f in err.get("frames", [])]
                line += f"\n  {err.get('exc_type')}: {err.get('exc_value')}\n    " + "\n    ".join(where[-6:])
            lines.append(line)
        return "\n".join(lines)

    def check_tasks(self, dag_id: str, run_id: str, *, tail_chars: int = 4000) -> list[dict]:
        """Task instances of a run; raise :class:`TaskFailedError` with the log tail of the first bad one."""
        tis = self.task_instances(dag_id, run_id)
        for ti in tis:
            if ti["state"] in BAD_TASK_STATES:
                # An up_for_retry task's failed try is the current try_number (Airflow 3 bumps it on retry).
                try_number = max(1, int(ti.get("try_number") or 1))
                try:
                    tail = self.task_log(dag_id, run_id, ti["task_id"], try_number, ti.get("map_index", -1))
                except AirflowApiError as exc:
                    tail = f"(log not readable through the API: {exc})"
                label = ti["task_id"] + (f"[{ti['map_index']}]" if ti.get("map_index", -1) >= 0 else "")
                states = {t["task_id"]: t["state"] for t in tis}
                raise TaskFailedError(
                    f"{dag_id} run {run_id}: task {label} is {ti['state']} (try {try_number}); tasks: {states}; "
                    f"log tail:\n{tail[-tail_chars:]}"
                )
        return tis

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300.0, poll: float = 1.0,
                     fail_fast: bool = True) -> dict:
        """Poll until the run is success or failed; raise with task states on timeout.

        With ``fail_fast`` a task that fails or goes up for retry raises :class:`TaskFailedError` at once
        (with its log tail) instead of waiting out retries.
        """
        deadline = time.monotonic() + timeout
        while True:
            run = self.dag_run(dag_id, run_id)
            if run["state"] in TERMINAL_RUN_STATES:
                if run["state"] == "failed" and fail_fast:
                    self.check_tasks(dag_id, run_id)
                return run
            if fail_fast:
                self.check_tasks(dag_id, run_id)
            if time.monotonic() > deadline:
                states = {t["task_id"]: t["state"] for t in self.task_instances(dag_id, run_id)}
                raise AirflowApiError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f}s; "
                                      f"tasks: {states}")
            time.sleep(poll)

    def wait_for_any_run(self, dag_id: str, *, after: int = 0, timeout: float = 300.0, poll: float = 1.0,
                         run_type: str | None = None, appear_timeout: float | None = None,
                         fail_fast: bool = True) -> dict:
        """Wait for the first run of ``dag_id`` (of ``run_type``, e.g. ``asset_triggered``, if given)
        beyond the ``after`` runs already there to finish; asset-triggered runs have no id known in advance.

        ``appear_timeout`` (default ``timeout``) bounds the wait for the run to be created at all.
        """
        start = time.monotonic()
        deadline = start + timeout
        appear_deadline = start + (appear_timeout if appear_timeout is not None else timeout)
        while True:
            runs = [r for r in self.dag_runs(dag_id) if run_type is None or r["run_type"] == run_type]
            if len(runs) > after:
                remaining = max(1.0, deadline - time.monotonic())
                return self.wait_for_run(dag_id, runs[after]["dag_run_id"], timeout=remaining, poll=poll,
                                         fail_fast=fail_fast)
            if time.monotonic() > min(deadline, appear_deadline):
                raise AirflowApiError(f"no new run of {dag_id} within {time.monotonic() - start:.0f}s (is it "
                                      "unpaused and is its asset emitted?)")
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
