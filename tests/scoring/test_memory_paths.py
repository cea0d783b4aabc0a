"""The memory-saving paths of a scoring run give the same results as the plain ones (issue #8).

Handing the inputs over (``release_inputs``), writing outputs in slices, and reading PostgreSQL through a
server-side cursor in batches must change nothing in what is scored or stored.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime

import pandas as pd
import pyarrow as pa
import pytest

from talenta.scoring import io, pipeline
from talenta.scoring.pipeline import score
from talenta.warehouse.db import Warehouse
from tests.scoring.conftest import SCORED_ON, synthetic_inputs

PG_ADMIN = os.environ.get("TALENTA_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def test_release_inputs_gives_the_same_tables_and_empties_the_dict(rules):
    kept = synthetic_inputs(300, 20, seed=9)
    handed = {k: v.copy() for k, v in kept.items()}
    # Warehouse reads give Python date objects for DATE columns: the path that converts them.
    assert handed["employee_current"]["birth_date"].dtype == object
    a = score(kept, rules, run_id="m", scored_on=SCORED_ON)
    b = score(handed, rules, run_id="m", scored_on=SCORED_ON, release_inputs=True)
    assert handed == {} and set(kept) == set(pipeline.INPUT_TABLES)
    for name, table in a.tables.items():
        pd.testing.assert_frame_equal(table, b.tables[name])
    assert {k: v for k, v in a.summary.items() if k != "timings"} == {
        k: v for k, v in b.summary.items() if k != "timings"}


def test_chunked_ratings_and_pairs_give_the_same_tables(rules, monkeypatch):
    from talenta.scoring import axes, eligibility

    inputs = synthetic_inputs(300, 20, seed=6)
    whole = score(inputs, rules, run_id="c", scored_on=SCORED_ON)
    assert whole.summary["pairs_considered"] > 11 and len(inputs["performance_rating"]) > 7
    monkeypatch.setattr(axes, "RATING_CHUNK_ROWS", 7)
    monkeypatch.setattr(eligibility, "PAIR_CHUNK_ROWS", 11)
    chunked = score(inputs, rules, run_id="c", scored_on=SCORED_ON)
    for name, table in whole.tables.items():
        pd.testing.assert_frame_equal(table, chunked.tables[name])


def test_repeated_texts_are_categoricals_with_the_same_values(rules):
    result = score(synthetic_inputs(200, 10, seed=4), rules, run_id="m", scored_on=SCORED_ON)
    talent = result.tables["talent_score"]
    for col in ("run_id", "outcome", "rule_version", "follow_up", "reasons"):
        assert isinstance(talent[col].dtype, pd.CategoricalDtype), col
    assert set(talent["run_id"]) == {"m"} and set(talent["rule_version"]) == {rules.version}
    scored = talent["outcome"] == "scored"
    assert talent.loc[scored, "follow_up"].notna().all() and talent.loc[~scored, "follow_up"].isna().all()
    assert result.summary["outcomes"] == talent["outcome"].astype(str).value_counts().to_dict()


def test_arrow_chunks_equal_one_plain_table():
    frame = pd.DataFrame({
        "run_id": pd.Categorical(["r"] * 7),
        "nip": pd.Series([f"{i:018d}" for i in range(7)], dtype="str"),
        "on": [date(2026, 3, 1)] * 7,
        "level": pd.array([1, None, 3, 1, 2, None, 3], dtype="Int16"),
        "reasons": pd.Categorical(["a", None, "b", "a", "a", "b", None]),
        "fit": [1.5, None, 2.0, 3.25, 0.0, 1.0, 2.0],
    })
    chunks = list(io.arrow_chunks(frame, rows=3))
    assert [c.num_rows for c in chunks] == [3, 3, 1]
    whole = io._arrow(frame)
    joined = pa.concat_tables(chunks)
    assert joined.schema.remove_metadata() == whole.schema.remove_metadata()
    assert joined.equals(whole)
    assert joined.schema.field("reasons").type == pa.string()


def _outputs(url: str) -> dict[str, pd.DataFrame]:
    with Warehouse(url) as wh:
        return {t: wh.query_df(f"select * exclude (started_at, finished_at) from {t}" if t == "scoring_run"
                               else f"select * from {t}").pipe(lambda d: d.sort_values(list(d.columns))
                                                               .reset_index(drop=True))
                for t in io.RUN_TABLES}


def test_sliced_writes_store_the_same_rows(tmp_path, monkeypatch):
    urls = []
    for name in ("whole", "sliced"):
        url = f"duckdb:///{tmp_path / name}.duckdb"
        with Warehouse(url) as wh:
            for table, frame in synthetic_inputs(250, 15, seed=2).items():
                wh.replace_table(table, pa.Table.from_pandas(frame, preserve_index=False))
        urls.append(url)
    pipeline.run("w1", SCORED_ON, url=urls[0], report_dir=str(tmp_path / "r0"))
    monkeypatch.setattr(io, "WRITE_CHUNK_ROWS", 97)  # talent_score and mobility_candidate in many slices
    pipeline.run("w1", SCORED_ON, url=urls[1], report_dir=str(tmp_path / "r1"))
    pipeline.run("w1", SCORED_ON, url=urls[1], report_dir=str(tmp_path / "r1"))  # a re-run replaces
    whole, sliced = _outputs(urls[0]), _outputs(urls[1])
    assert len(sliced["talent_score"]) == 250 and len(sliced["mobility_candidate"]) > 97
    for table in io.RUN_TABLES:
        pd.testing.assert_frame_equal(whole[table], sliced[table], obj=table)


@pytest.fixture
def pg_url():
    import psycopg2

    db = f"talenta_mem_{uuid.uuid4().hex[:8]}"
    try:
        conn = psycopg2.connect(PG_ADMIN, connect_timeout=3)
    except Exception as exc:
        from tests.conftest import require_service

        require_service("PostgreSQL", f"{PG_ADMIN}: {exc}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'create database "{db}"')
    yield PG_ADMIN.rsplit("/", 1)[0] + f"/{db}"
    with conn.cursor() as cur:
        cur.execute(f'drop database if exists "{db}" with (force)')
    conn.close()


@pytest.mark.parametrize("loader", ["adbc", "csv"])  # binary through ADBC, or psycopg2's server-side cursor
def test_postgres_batched_read_equals_query_arrow(pg_url, monkeypatch, loader):
    monkeypatch.setenv("TALENTA_PG_LOADER", loader)
    with Warehouse(pg_url) as wh:
        wh.execute("create table t (nip text, d date, ts timestamp, tz timestamptz, ok boolean, y smallint, "
                   "n bigint, x double precision, m numeric)")
        rows = [(f"{i:018d}" if i % 5 else None, date(2020, 1, 1 + i % 28) if i % 4 else None,
                 datetime(2026, 2, 1, i % 24), datetime(2026, 2, 1, 12) if i % 3 else None,
                 bool(i % 2) if i % 6 else None, 2020 + i % 5, i * 1000 if i % 7 else None,
                 i / 3 if i % 8 else None, f"{i}.25" if i % 9 else None) for i in range(23)]
        for r in rows:
            wh.execute("insert into t values (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(r))
        expected = wh.query_arrow("select * from t order by n nulls first, nip")
        monkeypatch.setattr(io, "READ_BATCH_ROWS", 5)
        got = io._query_arrow(wh, "select * from t order by n nulls first, nip")
        empty = io._query_arrow(wh, "select * from t where false")
    assert got.num_rows == 23 and got.schema == expected.schema
    assert got.equals(expected) and len(got.column("nip").chunks) >= 5
    assert empty.num_rows == 0 and empty.column_names == expected.column_names
