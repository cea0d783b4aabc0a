"""The workers' Celery configuration: Airflow's own, plus Great Expectations imported at worker start."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import talenta.deploy.celery_config as cfg
from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

assert cfg.CELERY_CONFIG == DEFAULT_CELERY_CONFIG, "the Celery settings themselves must stay Airflow's"
assert "great_expectations" not in sys.modules, "importing the config (scheduler, API server) must stay cheap"
worker_init.send(sender=None)  # what `airflow celery worker` sends once, before it forks its pool
assert "great_expectations" in sys.modules
print("preloaded")
"""


def test_worker_start_imports_great_expectations_for_the_task_processes_it_forks():
    # A fresh interpreter: this test process may have imported GX already.
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("preloaded")
