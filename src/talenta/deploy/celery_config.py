"""Celery configuration of Talenta's Airflow workers: Airflow's default plus a warm start for validation.

``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=talenta.deploy.celery_config.CELERY_CONFIG`` (compose and the
local Celery topology both set it). The configuration itself is Airflow's default, unchanged.

Why: every sync shard validates its sources with Great Expectations, and ``import great_expectations``
costs 5-7 s of CPU. Airflow 3 runs each task in a process forked from the Celery pool process, so each of
the ~30 shards of a national night paid that import again (about 80 s of the sync's wall on 2 worker
slots). The worker's main process imports it once at start (``worker_init``); the pool processes and the
task processes forked from them inherit the loaded modules. Only the import is done there: no GX context,
connection or thread is created before the fork.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

CELERY_CONFIG: dict[str, Any] = dict(DEFAULT_CELERY_CONFIG)


@worker_init.connect
def _preload_validation(**_: Any) -> None:
    """Import Great Expectations in the worker's main process, before it forks its pool."""
    from talenta.validate.engine import preload

    preload()
