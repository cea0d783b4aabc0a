"""Warehouse reads and writes of the scoring run, through :class:`talenta.warehouse.db.Warehouse`.

Reads only the columns scoring needs (never names, NIK, religion). Writes every output table for one
``run_id`` in a single transaction: earlier rows of the same run are deleted first, so a re-run
replaces its own results and leaves other runs' history untouched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from talenta.settings import reports_dir

# Columns read per input table (those missing in an older warehouse come back as nulls).
INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_current": (
        "nip", "gender", "birth_date", "employment_type", "golongan", "jabatan_name", "jabatan_type",
        "jabatan_level", "tmt_jabatan", "education_level", "education_major", "instansi_id", "region_code",
        "status", "updated_at", "has_identity_conflict",
    ),
    "performance_rating": ("nip", "year", "predikat"),
    "assessment": ("nip", "assessed_on", "method", "jpm_pct", "potensi_score", "kompetensi_manajerial",
                   "kompetensi_sosiokultural", "kompetensi_teknis"),
    "disciplinary_record": ("nip", "decided_on", "level", "penalty", "ends_on"),
    "vacancy": ("vacancy_id", "instansi_id", "region_code", "jabatan_name", "jabatan_type", "jabatan_level",
                "min_golongan", "min_education", "sector", "opened_on"),
}
# Tables keyed by run_id that a run replaces; dim_talent_box is a small dimension replaced whole.
RUN_TABLES = ("talent_score", "mobility_candidate", "mobility_recommendation", "fairness_audit",
              "agency_readiness", "scoring_run")


class ScoringInputError(RuntimeError):
    """A warehouse table the scoring needs is missing."""


def _read(wh, table: str, columns: tuple[str, ...], order_by: str | None = None) -> pd.DataFrame:
    if not wh.table_exists(table):
        raise ScoringInputError(
            f"warehouse table {table!r} is missing at {wh.target_schema}: run the warehouse merge "
            "(talenta merge / DAG warehouse_merge) before talent scoring"
        )
    present = set(wh.query_arrow(f"select * from {table} limit 0").column_names)
    select = ", ".join(f'"{c}"' if c in present else f'null as "{c}"' for c in columns)
    order = f' order by "{order_by}"' if order_by else ""
    return wh.query_arrow(f"select {select} from {table}{order}").to_pandas()


def read_inputs(url: str | None = None, *, schema: str | None = None) -> dict[str, pd.DataFrame]:
    """The five input tables as DataFrames (read-only access to the warehouse)."""
    from talenta.warehouse.db import Warehouse

    with Warehouse(url, schema=schema) as wh:
        # Employees come sorted by NIP (the database sorts in parallel) so scoring need not reorder 4.7 M rows.
        return {name: _read(wh, name, cols, "nip" if name == "employee_current" else None)
                for name, cols in INPUT_COLUMNS.items()}


def _arrow(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # Dictionary-encoded reason texts are an in-memory trick; the SQL table stores plain strings. Large
    # (64-bit offset) strings: at national scale a reason column holds more than 2 GB of text, which a
    # plain string array cannot (the first national run failed here).
    cols = [c.cast(pa.large_string()) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


def write_outputs(result, run_id: str, url: str | None = None, *, schema: str | None = None) -> None:
    """Replace ``run_id``'s rows in every output table, in one transaction."""
    from talenta.scoring.pipeline import check_run_id
    from talenta.warehouse.db import Warehouse

    check_run_id(run_id)
    with Warehouse(url, schema=schema) as wh, wh.transaction():
        for name in RUN_TABLES:
            table = _arrow(result.tables[name])
            if wh.table_exists(name):
                wh.execute(f"delete from {name} where run_id = ?", [run_id])
                wh.append_table(name, table)
            else:
                wh.append_table(name, table)
        wh.replace_table("dim_talent_box", _arrow(result.tables["dim_talent_box"]))


def write_report(result, report_dir: str | Path | None = None) -> Path:
    """Write the fairness report (Markdown) for the run; returns its path."""
    from talenta.scoring.fairness import render_markdown

    run_id = result.summary["run_id"]
    folder = Path(report_dir) if report_dir else reports_dir() / "scoring"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fairness_{run_id.replace(':', '-').replace('+', '-')}.md"
    text = render_markdown(result.tables["fairness_audit"], run_id=run_id, rule_version=result.summary["rule_version"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
