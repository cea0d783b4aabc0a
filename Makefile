# Talenta: two commands on a fresh machine.
#   make demo   runs the nightly chain on a small synthetic nation, embedded (no servers needed)
#   make test   runs lint and the test suite
# Both create .venv from uv.lock when it is missing (uv itself is bootstrapped into .tools/).

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.9.30
UV := .tools/uv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: help venv test lint unit demo airflow bench clean distclean compose-env celery

help:
	@echo "make demo   - run the nightly chain on a small synthetic nation (embedded Airflow, DuckDB)"
	@echo "make test   - ruff + pytest (integration tests use the machine's PostgreSQL, MariaDB, Redis)"
	@echo "make airflow - start the Airflow UI (standalone) on the embedded configuration"
	@echo "make bench  - the national-run benchmark (see benchmarks/RESULTS.md)"

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target .tools/uv "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

venv: $(VENV)/.synced

lint: venv
	$(VENV)/bin/ruff check .

test: venv lint
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=15

demo: venv
	$(VENV)/bin/talenta demo

airflow: venv
	$(VENV)/bin/talenta airflow-ui

bench: venv
	$(PY) benchmarks/nightly.py --scale $${SCALE:-0.05}

compose-env: venv
	$(VENV)/bin/talenta deploy compose-env

celery: venv
	$(VENV)/bin/talenta deploy celery-up

clean:
	rm -rf data airflow_home .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) .tools
