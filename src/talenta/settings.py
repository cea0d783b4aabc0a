"""Where things live. Every path comes from an environment variable with a project-local default.

* ``TALENTA_HOME``: project root (default: the checkout this package is installed from).
* ``TALENTA_DATA_DIR``: data root (default ``$TALENTA_HOME/data``), holding ``lake/``, ``sources/``,
  ``warehouse.duckdb`` and ``reports/``.
* ``TALENTA_CONFIG_DIR``: registry, dialects, scoring rules (default ``$TALENTA_HOME/config``).
* ``TALENTA_LAKE_DIR``: the Parquet lake (default ``$TALENTA_DATA_DIR/lake``).
* ``TALENTA_WAREHOUSE_URL``: SQLAlchemy URL of the SQL warehouse (default a DuckDB file in the data dir;
  ``postgresql://...`` in production).
* ``TALENTA_DUCKDB_MEMORY_LIMIT``: memory each DuckDB warehouse connection may use before it spills to disk
  (default ``3GB``; ``none`` keeps DuckDB's own default, 80 % of RAM).
* ``TALENTA_DUCKDB_TEMP_DIR``: where in-memory DuckDB builds spill (default ``$TALENTA_DATA_DIR/tmp/duckdb``;
  a DuckDB warehouse file spills next to itself, into ``<file>.tmp``).
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def home() -> Path:
    """Project root."""
    return Path(os.environ.get("TALENTA_HOME", _PACKAGE_ROOT))


def config_dir() -> Path:
    """Configuration folder (registry, dialects, scoring rules)."""
    return Path(os.environ.get("TALENTA_CONFIG_DIR", home() / "config"))


def data_dir() -> Path:
    """Data root: lake, synthetic sources, embedded warehouse, reports."""
    return Path(os.environ.get("TALENTA_DATA_DIR", home() / "data"))


def lake_dir() -> Path:
    """The Parquet lake (bronze, silver, quarantine, gold, state)."""
    return Path(os.environ.get("TALENTA_LAKE_DIR", data_dir() / "lake"))


def sources_dir() -> Path:
    """Where the synthetic source systems live (drop folders, SQLite files, REST data)."""
    return Path(os.environ.get("TALENTA_SOURCES_DIR", data_dir() / "sources"))


def reports_dir() -> Path:
    """Where regional data-quality reports are written."""
    return Path(os.environ.get("TALENTA_REPORTS_DIR", data_dir() / "reports"))


def warehouse_url() -> str:
    """SQLAlchemy URL of the SQL warehouse (DuckDB file by default)."""
    return os.environ.get("TALENTA_WAREHOUSE_URL", f"duckdb:///{data_dir() / 'warehouse.duckdb'}")


def duckdb_memory_limit() -> str | None:
    """DuckDB memory limit per warehouse connection (``3GB`` by default; ``None``: DuckDB's default).

    Issue #8: every process of the nightly chain stays under 6 GB, so the merge's DuckDB spills to disk
    instead of growing to 80 % of the machine's RAM.
    """
    value = os.environ.get("TALENTA_DUCKDB_MEMORY_LIMIT", "3GB").strip()
    return None if value.lower() in ("", "none", "default") else value


def duckdb_temp_dir() -> Path:
    """Where in-memory DuckDB builds spill when they exceed :func:`duckdb_memory_limit`."""
    return Path(os.environ.get("TALENTA_DUCKDB_TEMP_DIR", data_dir() / "tmp" / "duckdb"))
