"""Each rule catches its defect on a small hand-made frame; clean rows fail nothing.

All cases of an entity are validated in one batch (one GX run), then each row is checked by its reference.
"""

from __future__ import annotations

import datetime as dt

import pytest

from talenta.domain.identifiers import make_nik, make_nip
from talenta.validate import validate_batch
from talenta.validate.rules import load_suite

from .conftest import (
    BIRTH,
    LOGICAL_DATE,
    RUN_ID,
    assessment_row,
    discipline_row,
    employee_row,
    frame,
    performance_row,
    pppk_row,
    vacancy_row,
)

OLD = dt.date(1960, 1, 1)
YOUNG = dt.date(1980, 1, 1)

CASES: dict[str, list[tuple[str, dict]]] = {
    "employee": [
        ("nip_format", employee_row(10, nip="19850314201003100")),
        ("nip_mangled", employee_row(11, nip="1.98503E+17")),
        ("nip_birth_date_valid", employee_row(12, nip="198513142010031012")),
        ("nip_cpns_month", employee_row(13, nip=make_nip(BIRTH, 2010, 13, "L", 13))),
        ("nip_pppk_code", pppk_row(14, nip=make_nip(dt.date(1992, 7, 2), 2022, 5, "P", 14))),
        ("nip_gender_digit", employee_row(15, nip=make_nip(BIRTH, 2010, 3, "L", 15)[:14] + "3015")),
        ("nip_sequence", employee_row(16, nip=make_nip(BIRTH, 2010, 3, "L", 0))),
        ("nip_birth_matches", employee_row(17, birth_date=dt.date(1985, 3, 15))),
        ("nip_gender_matches", employee_row(18, gender="P")),
        ("nip_tmt_cpns_matches", employee_row(19, tmt_cpns=dt.date(2011, 3, 1))),
        ("nik_format", employee_row(20, nik="357801140385002")),
        ("nik_matches_birth_gender", employee_row(21, nik=make_nik("357801", dt.date(1986, 3, 14), "L", 21))),
        ("mandatory_fields", employee_row(22, name=None)),
        ("gender_valid", employee_row(23, gender="X")),
        ("employment_type_valid", employee_row(24, employment_type="HONORER")),
        ("status_known", employee_row(25, status="00")),
        ("golongan_valid", employee_row(26, golongan="XII")),
        ("jabatan_known", employee_row(27, jabatan_level="KEPALA")),
        ("jabatan_golongan_range", employee_row(28, jabatan_level="AHLI_UTAMA")),
        ("education_known", employee_row(29, education_level="S9")),
        ("dates_valid", employee_row(30, tmt_jabatan=dt.date(2026, 1, 1))),
        ("dates_in_order", employee_row(31, tmt_golongan=dt.date(2009, 1, 1))),
        ("cpns_age_plausible", employee_row(32, nip=make_nip(YOUNG, 1995, 3, "L", 32), birth_date=YOUNG,
                                            nik=make_nik("357801", YOUNG, "L", 32), tmt_cpns=dt.date(1995, 3, 1))),
        ("active_past_bup", employee_row(33, nip=make_nip(OLD, 1985, 3, "L", 33), birth_date=OLD,
                                         nik=make_nik("357801", OLD, "L", 33), tmt_cpns=dt.date(1985, 3, 1))),
        ("region_known", employee_row(34, region_code="9999")),
        ("instansi_known", employee_row(35, instansi_id="X001")),
        ("nip_unique", employee_row(36)),
        ("nip_unique", employee_row(36)),
        ("value_readable", employee_row(37, updated_at=None, parse_errors={"updated_at": "kemarin"})),
        ("dates_valid", employee_row(38, tmt_cpns=None, parse_errors={"tmt_cpns": "31/02/2001"})),
        ("golongan_valid", employee_row(39, golongan=None, parse_errors={"golongan": "IIIz"})),
    ],
    "performance": [
        ("nip_format", performance_row(10, nip="12345")),
        ("mandatory_fields", performance_row(11, year=None)),
        ("predikat_valid", performance_row(12, predikat="Luar Biasa")),
        ("ratings_valid", performance_row(13, hasil_kerja="HEBAT")),
        ("predikat_matches_matrix", performance_row(14, hasil_kerja="SESUAI", perilaku_kerja="SESUAI",
                                                    predikat="Sangat Baik")),
        ("year_in_range", performance_row(15, year=2031)),
        ("rating_unique", performance_row(16)),
        ("rating_unique", performance_row(16)),
        ("year_in_range", performance_row(17, year=None, parse_errors={"year": "dua ribu"})),
    ],
    "assessment": [
        ("nip_mangled", assessment_row(10, nip="1,98503E+17")),
        ("mandatory_fields", assessment_row(11, jpm_pct=None)),
        ("jpm_range", assessment_row(12, jpm_pct=120.0)),
        ("scores_range", assessment_row(13, potensi_score=150.0)),
        ("method_known", assessment_row(14, method="PSIKOTES")),
        ("assessed_on_in_range", assessment_row(15, assessed_on=dt.date(2005, 1, 1))),
        ("assessed_on_in_range", assessment_row(16, assessed_on=dt.date(2025, 7, 1))),
    ],
    "discipline": [
        ("mandatory_fields", discipline_row(10, level=None)),
        ("level_known", discipline_row(11, level="X")),
        ("dates_valid", discipline_row(12, decided_on=dt.date(2026, 1, 1), ends_on=None)),
        ("dates_in_order", discipline_row(13, ends_on=dt.date(2022, 1, 1))),
    ],
    "vacancy": [
        ("mandatory_fields", vacancy_row(10, jabatan_name=None)),
        ("vacancy_id_unique", vacancy_row(11)),
        ("vacancy_id_unique", vacancy_row(11)),
        ("instansi_known", vacancy_row(12, instansi_id="Z9")),
        ("region_known", vacancy_row(13, region_code="99")),
        ("jabatan_known", vacancy_row(14, jabatan_type="honorer")),
        ("golongan_valid", vacancy_row(15, min_golongan="V/z")),
        ("education_known", vacancy_row(16, min_education="S9")),
        ("sector_known", vacancy_row(17, sector="olahraga")),
        ("opened_on_not_future", vacancy_row(18, opened_on=dt.date(2025, 9, 1))),
    ],
}
CLEAN = {"employee": [employee_row(1), employee_row(2), pppk_row(3), employee_row(4, gender="P",
                                                                            nip=make_nip(BIRTH, 2010, 3, "P", 4),
                                                                            nik=make_nik("357801", BIRTH, "P", 4))],
         "performance": [performance_row(1), performance_row(1, year=2023), performance_row(2, hasil_kerja="DI_BAWAH",
                                                                                            perilaku_kerja="DI_BAWAH",
                                                                                            predikat="Sangat Kurang")],
         "assessment": [assessment_row(1), assessment_row(2, method="CACT")],
         "discipline": [discipline_row(1), discipline_row(2, level="B", ends_on=None)],
         "vacancy": [vacancy_row(1), vacancy_row(2, min_golongan="IX", jabatan_type="pelaksana",
                                                 jabatan_level="PELAKSANA")]}


@pytest.fixture(scope="module")
def results():
    """Validate every entity's clean and defect rows once; refs data.csv:2.. follow the row order."""
    out = {}
    for entity, cases in CASES.items():
        rows = [dict(r) for r in CLEAN[entity]] + [dict(r) for _, r in cases]
        outcome = validate_batch(entity, [("D3578", frame(entity, rows))], run_id=RUN_ID,
                                 logical_date=LOGICAL_DATE)["D3578"]
        out[entity] = outcome
    return out


def _failed(outcome, ref: str) -> tuple[str, list[str]]:
    q = outcome.quarantined[outcome.quarantined["source_row_ref"] == ref]
    if len(q):
        return "quarantined", list(q["failed_checks"].iloc[0])
    a = outcome.accepted[outcome.accepted["source_row_ref"] == ref]
    assert len(a) == 1, f"row {ref} is neither accepted nor quarantined"
    return "accepted", list(a["dq_warnings"].iloc[0])


@pytest.mark.parametrize(("entity", "i"), [(e, i) for e, cases in CASES.items() for i in range(len(cases))],
                         ids=[f"{e}-{c[0]}-{i}" for e, cases in CASES.items() for i, c in enumerate(cases)])
def test_rule_catches_its_defect(results, entity, i):
    rule = CASES[entity][i][0]
    severity = load_suite(entity).rules[rule].severity
    ref = f"data.csv:{2 + len(CLEAN[entity]) + i}"
    where, failed = _failed(results[entity], ref)
    assert rule in failed, f"{entity} row {ref}: expected {rule}, got {failed}"
    assert where == ("quarantined" if severity == "critical" else "accepted")


@pytest.mark.parametrize("entity", list(CASES))
def test_clean_rows_fail_nothing(results, entity):
    for i in range(len(CLEAN[entity])):
        where, failed = _failed(results[entity], f"data.csv:{2 + i}")
        assert (where, failed) == ("accepted", [])


@pytest.mark.parametrize("entity", list(CASES))
def test_every_rule_of_the_suite_is_exercised(entity):
    exercised = {rule for rule, _ in CASES[entity]}
    assert set(load_suite(entity).rules) <= exercised | {"value_readable", "nip_mangled", "nip_format"}


def test_parse_error_reason_names_field_value_and_keeps_raw(results):
    q = results["employee"].quarantined
    row = q[q["nip"] == make_nip(BIRTH, 2010, 3, "L", 38)].iloc[0]
    assert list(row["failed_checks"]) == ["dates_valid"]  # not also "missing"
    assert any("tmt_cpns '31/02/2001'" in r for r in row["reasons"])
    assert '"tmt_cpns": "31/02/2001"' in row["record"]


def test_reasons_name_field_value_and_fix(results):
    q = results["employee"].quarantined
    row = q[q["failed_checks"].map(lambda c: "region_known" in c)].iloc[0]
    reason = next(r for r in row["reasons"] if r.startswith("[region_known]"))
    assert "region_code='9999'" in reason and "Kemendagri" in reason


def test_mangled_nip_kept_as_received(results):
    q = results["assessment"].quarantined
    assert "1,98503E+17" in set(q["nip"])
