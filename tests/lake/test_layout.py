import os

import pyarrow as pa
import pytest

from talenta.lake import layout


def test_partition_path_is_hive_style(tmp_path):
    path = layout.partition_dir("silver", "employee", "d3578", "2026-12-01", root=tmp_path)
    assert path.relative_to(tmp_path).as_posix() == "silver/entity=employee/source_id=d3578/logical_date=2026-12-01"
    with pytest.raises(ValueError, match="unknown lake zone"):
        layout.partition_dir("platinum", "employee", "d3578", "2026-12-01", root=tmp_path)


def test_rewrite_replaces_partition_exactly(tmp_path):
    target = layout.partition_dir("bronze", "employee", "d1", "2026-12-01", root=tmp_path)
    layout.write_partition(target, pa.table({"a": [1, 2, 3]}), manifest={"rows": 3})
    (target / "stray.txt").write_text("left over from a crashed writer")
    layout.write_partition(target, pa.table({"a": [9]}), manifest={"rows": 1})
    assert sorted(os.listdir(target)) == ["_manifest.json", "part-0.parquet"]
    assert layout.read_partition(target).column("a").to_pylist() == [9]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_failed_write_leaves_old_partition(tmp_path):
    target = layout.partition_dir("silver", "employee", "d1", "2026-12-01", root=tmp_path)
    layout.write_partition(target, pa.table({"a": [1]}))

    with pytest.raises(AttributeError):
        layout.write_partition(target, "not a table")  # type: ignore[arg-type]
    assert layout.read_partition(target).column("a").to_pylist() == [1]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]
