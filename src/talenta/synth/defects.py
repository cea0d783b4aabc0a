"""Injected defects: every class of issue #3, at configurable rates, each recorded in the manifest.

Row defects change a vendor-rendered frame in place (or append a duplicate row) and return manifest
rows naming the record as the pipeline will report it (``record_ref``), the canonical field and the
value actually written. File defects (truncated, empty, extra/missing column) are decided here and
carried out by the writers, which know the bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talenta.domain import jabatan
from talenta.sources.dialects import Dialect
from talenta.synth import spell
from talenta.synth.render import format_dates

# Marker replaced by raw invalid bytes after a CSV is encoded (files only; see writers).
BAD_BYTES_MARK = "\x00BAD\x00"

ROW_CLASSES: dict[str, tuple[str, ...]] = {
    "employee": ("duplicate_nip", "nip_impossible_date", "nip_wrong_gender_digit", "nip_wrong_length",
                 "nip_mangled", "nip_birth_mismatch", "missing_mandatory", "unknown_golongan",
                 "unknown_education", "golongan_impossible_for_type", "future_date", "inverted_dates",
                 "age_past_bup", "bad_encoding"),
    "performance": ("predikat_inconsistent",),
    "assessment": ("jpm_out_of_range",),
    "discipline": ("inverted_dates",),
    "vacancy": (),
}
FILE_CLASSES = ("truncated_file", "empty_file", "schema_drift_extra_column", "schema_drift_missing_column")
MANIFEST_COLUMNS = ("source_id", "entity", "record_ref", "nip", "field", "defect_class", "value")


@dataclass(frozen=True)
class DefectRates:
    """Share of rows per row-defect class, and chance per source of each file defect."""

    row: float = 0.002
    per_class: dict[str, float] = field(default_factory=dict)
    truncated_file: float = 0.03
    empty_file: float = 0.02
    schema_drift_extra_column: float = 0.04
    schema_drift_missing_column: float = 0.04

    def rate(self, defect_class: str, entity: str | None = None) -> float:
        """Row rate of one class (``per_class`` overrides ``row``; an ``"<entity>.<class>"`` key overrides
        both for that entity, e.g. ``"discipline.inverted_dates"``, since entities differ a lot in size)."""
        if entity is not None and f"{entity}.{defect_class}" in self.per_class:
            return self.per_class[f"{entity}.{defect_class}"]
        return self.per_class.get(defect_class, self.row)

    @classmethod
    def none(cls) -> DefectRates:
        """No defects at all (a clean world)."""
        return cls(row=0.0, truncated_file=0, empty_file=0, schema_drift_extra_column=0,
                   schema_drift_missing_column=0)


@dataclass
class FilePlan:
    """File-level defects chosen for one source: entity → class."""

    truncated: str | None = None
    empty: str | None = None
    extra_column: str | None = None
    missing_column: tuple[str, str] | None = None   # (entity, canonical column dropped)


def plan_file_defects(kind: str, fmt: str, rates: DefectRates, rng: np.random.Generator) -> FilePlan:
    """Which file defects one source gets (truncation and empty files only exist for file drops)."""
    plan = FilePlan()
    draws = rng.random(4)
    if kind == "file_drop" and fmt == "csv" and draws[0] < rates.truncated_file:
        plan.truncated = "performance"
    if kind == "file_drop" and draws[1] < rates.empty_file:
        plan.empty = "discipline"
    if draws[2] < rates.schema_drift_extra_column:
        plan.extra_column = "employee"
    if draws[3] < rates.schema_drift_missing_column:
        plan.missing_column = ("employee", "education_major")
    return plan


def _swap_digits(nip: str, start: int, text: str) -> str:
    return nip[:start] + text + nip[start + len(text):]


def inject_rows(entity: str, vendor: pd.DataFrame, canonical: pd.DataFrame, dialect: Dialect, *, source_id: str,
                kind: str, snapshot: dt.date, rates: DefectRates, rng: np.random.Generator,
                ref: Callable[[int], str]) -> tuple[pd.DataFrame, list[dict]]:
    """Apply the row defects of ``entity`` to ``vendor`` rows; return the new frame and manifest rows.

    Each defective row carries exactly one class, so every manifest entry can be checked on its own.
    """
    classes = ROW_CLASSES[entity]
    n = len(vendor)
    if not classes or n == 0:
        return vendor, []
    cols = dialect.entities[entity].columns
    counts = [int(rng.binomial(n, rates.rate(c, entity))) for c in classes]
    order = rng.permutation(n)
    manifest: list[dict] = []
    vendor = vendor.copy()
    nips = canonical["nip"].to_numpy()
    date_fmt = dialect.date_format
    start = 0
    duplicates: list[int] = []
    for defect_class, k in zip(classes, counts, strict=True):
        rows = order[start:start + k]
        start += k
        for i in rows:
            fld, value = _apply_one(defect_class, entity, vendor, canonical, int(i), cols, dialect, kind,
                                    snapshot, date_fmt, rng)
            if fld is None:
                continue
            if defect_class == "duplicate_nip":
                duplicates.append(int(i))
                continue
            manifest.append({"source_id": source_id, "entity": entity, "record_ref": ref(int(i)),
                             "nip": nips[i], "field": fld, "defect_class": defect_class, "value": _text(value)})
    if duplicates:
        dup = vendor.iloc[duplicates].copy()
        base = len(vendor)
        vendor = pd.concat([vendor, dup], ignore_index=True)
        for j, i in enumerate(duplicates):
            value = _text(vendor.iat[base + j, vendor.columns.get_loc(cols["nip"])])
            # Both rows of a pair carry the repeated NIP and nothing tells which copy is right, so the
            # original is as defective as the copy (validation quarantines both): both are listed.
            for at in (i, base + j):
                manifest.append({"source_id": source_id, "entity": entity, "record_ref": ref(at),
                                 "nip": nips[i], "field": "nip", "defect_class": "duplicate_nip", "value": value})
    return vendor, manifest


def _text(value: object) -> str | None:
    return None if value is None else str(value).replace(BAD_BYTES_MARK, "<invalid bytes>")


def _apply_one(defect_class: str, entity: str, vendor: pd.DataFrame, canonical: pd.DataFrame, i: int,
               cols: dict[str, str], dialect: Dialect, kind: str, snapshot: dt.date, date_fmt: str,
               rng: np.random.Generator) -> tuple[str | None, object]:
    """Change row ``i`` for one defect; return (canonical field, value written) or (None, None)."""
    row = canonical.iloc[i]

    def put(canon: str, value: object) -> tuple[str, object]:
        vendor.iat[i, vendor.columns.get_loc(cols[canon])] = value
        return canon, value

    def fmt(day: np.datetime64 | pd.Timestamp) -> str:
        return pd.Timestamp(day).strftime(date_fmt)

    nip = str(row["nip"])
    if defect_class == "duplicate_nip":
        return "nip", nip
    if defect_class == "nip_impossible_date":
        return put("nip", _swap_digits(nip, 4, "13") if rng.random() < 0.5 else _swap_digits(nip, 6, "32"))
    if defect_class == "nip_wrong_gender_digit":
        return put("nip", _swap_digits(nip, 14, "3" if rng.random() < 0.5 else "0"))
    if defect_class == "nip_wrong_length":
        return put("nip", nip[:-1] if rng.random() < 0.5 else nip + "7")
    if defect_class == "nip_mangled":
        return put("nip", f"{float(nip):.5E}")
    if defect_class == "nip_birth_mismatch":
        shifted = pd.Timestamp(row["birth_date"]) + pd.Timedelta(days=int(rng.integers(1, 400)))
        return put("birth_date", fmt(shifted))
    if defect_class == "missing_mandatory":
        canon = ("name", "birth_date", "employment_type")[int(rng.integers(0, 3))]
        return put(canon, None)
    if defect_class == "unknown_golongan":
        return put("golongan", "39" if dialect.spelling.get("golongan") == "siasn" else "III/f")
    if defect_class == "unknown_education":
        return put("education_level", "99" if dialect.spelling.get("education") == "siasn" else "S-9")
    if defect_class == "golongan_impossible_for_type":
        gol_map = spell.golongan_map(dialect.spelling.get("golongan", "slash"))
        wrong = "III/c" if row["employment_type"] == "PPPK" else "XIII"
        return put("golongan", gol_map[wrong])
    if defect_class == "future_date":
        future = np.datetime64(snapshot, "D") + np.timedelta64(int(rng.integers(30, 3 * 365)), "D")
        return put("tmt_jabatan", fmt(future))
    if defect_class == "inverted_dates":
        if entity == "discipline":
            return put("ends_on", fmt(pd.Timestamp(row["decided_on"]) - pd.Timedelta(days=int(rng.integers(30, 300)))))
        return put("tmt_cpns", fmt(pd.Timestamp(row["birth_date"]) - pd.Timedelta(days=365)))
    if defect_class == "age_past_bup":
        # Birth date and NIP moved together, so the only fault is the age.
        bup = jabatan.bup(row["jabatan_level"])
        birth = pd.Timestamp(snapshot) - pd.DateOffset(years=bup + int(rng.integers(1, 4)))
        birth = birth - pd.Timedelta(days=int(rng.integers(0, 300)))
        put("nip", birth.strftime("%Y%m%d") + nip[8:])
        if "status" in cols:
            put("status", spell.status_map(dialect.spelling.get("status", "code"))["01"])
        return put("birth_date", format_dates(pd.Series([birth]), date_fmt).iloc[0])
    if defect_class == "bad_encoding":
        name = str(row["name"])
        cut = max(1, len(name) // 2)
        mark = BAD_BYTES_MARK if (kind == "file_drop" and dialect.format == "csv") else "\ufffd"
        return put("name", name[:cut] + mark + name[cut:])
    if defect_class == "predikat_inconsistent":
        pmap = spell.predikat_map(dialect.spelling.get("predikat", "name"))
        wrong = "Sangat Kurang" if row["predikat"] != "Sangat Kurang" else "Sangat Baik"
        return put("predikat", pmap[wrong])
    if defect_class == "jpm_out_of_range":
        return put("jpm_pct", float(np.round(rng.choice([-5.0, 112.5, 140.0]) + rng.random(), 2)))
    raise ValueError(f"unknown defect class {defect_class!r}; expected one of {ROW_CLASSES}")
