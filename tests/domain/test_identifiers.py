import datetime as dt

import pytest

from talenta.domain import identifiers as ids


def test_pns_nip_parts():
    info = ids.parse_nip("198503152010012003")
    assert info.valid, info.problems
    assert info.employment_type == "PNS"
    assert info.birth_date == dt.date(1985, 3, 15)
    assert (info.tmt_year, info.tmt_month) == (2010, 1)
    assert info.gender == "P"
    assert info.sequence == 3


def test_nip_with_spaces_is_cleaned():
    info = ids.parse_nip("19850315 201001 2 003")
    assert info.valid and info.nip == "198503152010012003"


def test_pppk_number_is_recognised():
    info = ids.parse_nip("199001012022211001")
    assert info.valid, info.problems
    assert info.employment_type == "PPPK"
    assert info.tmt_month is None and info.gender == "L"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("1.98501E+17", "mangled by a spreadsheet"),
        ("198513012010011001", "birth date 1985-13-01 in NIP is not a date"),
        ("198502302010011001", "is not a date"),          # 30 February
        ("198503152010013001", "gender digit 3"),
        ("19850315201001100", "17 digits"),
        ("198503152010001001", "is not a month"),
        ("198503152010011000", "sequence 000"),
        ("", "missing"),
    ],
)
def test_nip_problems_are_explained(raw, fragment):
    info = ids.parse_nip(raw)
    assert not info.valid
    assert any(fragment in p for p in info.problems), info.problems


def test_leap_day_birth_is_valid():
    assert ids.parse_nip("198402292010011001").valid
    assert not ids.parse_nip("198302292010011001").valid


def test_make_nip_round_trips():
    nip = ids.make_nip(dt.date(1979, 12, 31), 2005, 3, "P", 12)
    info = ids.parse_nip(nip)
    assert info.birth_date == dt.date(1979, 12, 31) and info.gender == "P" and info.tmt_month == 3


def test_nik_woman_day_plus_40():
    nik = ids.make_nik("357801", dt.date(1985, 3, 15), "P", 7)
    assert nik[6:8] == "55"
    info = ids.parse_nik(nik, today=dt.date(2026, 12, 3))
    assert info.valid and info.gender == "P" and info.birth_date == dt.date(1985, 3, 15)
    assert info.region_code == "3578"


def test_nik_man_and_bad_dates():
    info = ids.parse_nik("3578011503850007", today=dt.date(2026, 12, 3))
    assert info.gender == "L" and info.birth_date == dt.date(1985, 3, 15)
    woman = ids.parse_nik("3578017103850007", today=dt.date(2026, 12, 3))   # day 71 = 31 + 40
    assert woman.valid and woman.gender == "P" and woman.birth_date == dt.date(1985, 3, 31)
    assert not ids.parse_nik("3578017204850007").valid      # day 72 = 32 April for a woman


def test_nik_invalid_day_and_length():
    assert not ids.parse_nik("3578013202850007").valid      # 32 February
    assert not ids.parse_nik("357801150385000").valid       # 15 digits
    assert "mangled" in ids.parse_nik("3.57801E+15").problems[0]
