"""Every defect in the manifest is really present in the source data as written, and clean values read back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from talenta.domain import codes, education, golongan, identifiers, jabatan, predikat
from talenta.sources.dialects import get_dialect
from talenta.sources.registry import get_source
from talenta.synth.testing import read_source_entity as read_vendor


def _date(text: str | None, fmt: str) -> dt.date:
    return dt.datetime.strptime(str(text)[:10] if fmt == "%Y-%m-%d" else str(text), fmt).date()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() in {"", "nan", "None"}


def test_every_manifest_defect_is_in_the_source(defect_world: Path) -> None:
    manifest = pq.read_table(defect_world / "truth" / "defects.parquet").to_pandas()
    snapshot = dt.date.fromisoformat(json.loads((defect_world / "world.json").read_text())["snapshot_date"])
    classes = set(manifest["defect_class"])
    # Every row and file class of issue #3 appears in a heavy small world.
    assert {"duplicate_nip", "nip_impossible_date", "nip_wrong_gender_digit", "nip_wrong_length", "nip_mangled",
            "nip_birth_mismatch", "missing_mandatory", "unknown_golongan", "unknown_education",
            "golongan_impossible_for_type", "future_date", "inverted_dates", "age_past_bup", "bad_encoding",
            "predikat_inconsistent", "truncated_file", "empty_file", "schema_drift_extra_column",
            "schema_drift_missing_column"} <= classes, classes
    checked = 0
    for (sid, entity), group in manifest.groupby(["source_id", "entity"]):
        dialect = get_dialect(get_source(sid).dialect)
        cols = dialect.entities[entity].columns
        frame, refs, raw = read_vendor(defect_world, sid, entity)
        pos = {r: i for i, r in enumerate(refs)}
        for m in group.itertuples(index=False):
            checked += 1
            cls = m.defect_class
            if cls == "empty_file":
                assert raw == b""
                continue
            if cls == "schema_drift_extra_column":
                assert m.field in frame.columns
                continue
            if cls == "schema_drift_missing_column":
                assert cols[m.field] not in frame.columns and len(frame.columns) > 0
                continue
            if cls == "truncated_file":
                assert len(frame.columns) > 0 and m.record_ref in pos
                last = frame.iloc[pos[m.record_ref]]
                assert last.isna().any(), "a truncated last row lacks its final fields"
                assert not raw.endswith(b"\n")
                continue
            row = frame.iloc[pos[m.record_ref]]

            def get(canon: str, row=row, cols=cols) -> object:
                return row[cols[canon]]

            if cls == "duplicate_nip":
                assert (frame[cols["nip"]].astype(str) == str(get("nip"))).sum() >= 2
            elif cls in {"nip_impossible_date", "nip_wrong_gender_digit", "nip_wrong_length", "nip_mangled"}:
                assert str(get("nip")) == m.value and not identifiers.parse_nip(get("nip")).valid
            elif cls == "nip_birth_mismatch":
                info = identifiers.parse_nip(get("nip"))
                assert info.valid and info.birth_date != _date(get("birth_date"), dialect.date_format)
            elif cls == "missing_mandatory":
                assert _blank(get(m.field))
            elif cls == "unknown_golongan":
                assert golongan.normalize(get("golongan")) is None
            elif cls == "unknown_education":
                assert education.normalize(get("education_level")) is None
            elif cls == "golongan_impossible_for_type":
                etype = codes.normalize_employment_type(get("employment_type"))
                assert not golongan.is_valid_for(golongan.normalize(get("golongan"), etype), etype)
            elif cls == "future_date":
                assert _date(get(m.field), dialect.date_format) > snapshot
            elif cls == "inverted_dates":
                if entity == "discipline":
                    assert _date(get("ends_on"), dialect.date_format) < _date(get("decided_on"), dialect.date_format)
                else:
                    assert _date(get("tmt_cpns"), dialect.date_format) < _date(get("birth_date"), dialect.date_format)
            elif cls == "age_past_bup":
                birth = _date(get("birth_date"), dialect.date_format)
                level = jabatan.normalize_level(get("jabatan_level"))
                assert (snapshot - birth).days / 365.25 >= jabatan.bup(level)
                assert identifiers.parse_nip(get("nip")).birth_date == birth
                assert codes.normalize_status(get("status")) == "01"
            elif cls == "bad_encoding":
                if dialect.format == "csv":
                    line = raw.split(b"\n")[pos[m.record_ref] + 1]
                    try:
                        line.decode("utf-8") if dialect.encoding == "utf-8" else line.decode("cp1252")
                        raise AssertionError("expected undecodable bytes")
                    except UnicodeDecodeError:
                        pass
                else:
                    assert "\ufffd" in str(get("name"))
            elif cls == "predikat_inconsistent":
                expected = predikat.predikat_for(predikat.normalize_rating(get("hasil_kerja")),
                                                 predikat.normalize_rating(get("perilaku_kerja")))
                assert predikat.normalize_predikat(get("predikat")) != expected
            elif cls == "jpm_out_of_range":
                assert not 0 <= float(get("jpm_pct")) <= 100
            else:
                raise AssertionError(f"no check for defect class {cls}")
    assert checked == len(manifest)


def test_clean_values_read_back_to_the_truth(clean_world: Path) -> None:
    """Every dialect's spellings and dates harmonize back to the canonical truth (no defects)."""
    truth = pq.read_table(clean_world / "truth" / "employee.parquet").to_pandas()
    perf_truth = pq.read_table(clean_world / "truth" / "performance.parquet").to_pandas()
    world = json.loads((clean_world / "world.json").read_text())
    assert not len(pq.read_table(clean_world / "truth" / "defects.parquet"))
    for sid in world["sources"]:
        dialect = get_dialect(get_source(sid).dialect)
        cols = dialect.entities["employee"].columns
        frame, _, _ = read_vendor(clean_world, sid, "employee")
        mine = truth[truth["source_id"] == sid].reset_index(drop=True)
        assert len(frame) == len(mine), sid
        etype = frame[cols["employment_type"]].map(codes.normalize_employment_type)
        assert list(frame[cols["nip"]].astype(str)) == list(mine["nip"])
        assert list(frame[cols["gender"]].map(codes.normalize_gender)) == list(mine["gender"])
        assert [golongan.normalize(g, t) for g, t in zip(frame[cols["golongan"]], etype, strict=True)] == list(mine["golongan"])
        assert list(frame[cols["education_level"]].map(education.normalize)) == list(mine["education_level"])
        assert list(frame[cols["jabatan_level"]].map(jabatan.normalize_level)) == list(mine["jabatan_level"])
        assert list(frame[cols["jabatan_type"]].map(jabatan.normalize_type)) == list(mine["jabatan_type"])
        assert list(frame[cols["status"]].map(codes.normalize_status)) == list(mine["status"])
        births = [_date(v, dialect.date_format) for v in frame[cols["birth_date"]]]
        assert births == list(mine["birth_date"])
        pcols = dialect.entities["performance"].columns
        pframe, _, _ = read_vendor(clean_world, sid, "performance")
        assert len(pframe) == (perf_truth["source_id"] == sid).sum()
        assert set(pframe[pcols["predikat"]].map(predikat.normalize_predikat)) <= set(predikat.PREDIKAT)
        assert pframe[pcols["hasil_kerja"]].map(predikat.normalize_rating).notna().all()
