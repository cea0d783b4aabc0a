"""The generated population matches domain.md and every clean person is coherent."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from talenta.domain import golongan, identifiers, jabatan, predikat, regions
from talenta.sources.registry import load_registry
from talenta.synth import history, people, world

SNAPSHOT = dt.date(2025, 12, 1)
KAB_CODES = {r.code for r in regions.all_regions() if len(r.code) == 4}


@pytest.fixture(scope="module")
def nation() -> dict[str, pd.DataFrame]:
    """Truth of every registered source at scale 0.002 (~9.5 k people), generated without writing."""
    registry = load_registry()
    counts = people.headcounts(registry, 0.002)
    parts = [world.generate_truth(s, i, counts[s.source_id], SNAPSHOT, 3) for i, s in enumerate(registry)]
    return {e: pd.concat([p[e] for p in parts], ignore_index=True) for e in parts[0]}


def test_headcounts_follow_the_nation() -> None:
    registry = load_registry()
    counts = people.headcounts(registry, 1.0)
    total = sum(counts.values())
    regional = sum(c for s in registry for c in [counts[s.source_id]] if s.level == "daerah")
    assert abs(total - people.NATIONAL_ASN) / people.NATIONAL_ASN < 0.01
    assert 0.76 <= regional / total <= 0.80


def test_shares_match_domain(nation: dict[str, pd.DataFrame]) -> None:
    emp = nation["employee"]
    pppk = (emp["employment_type"] == "PPPK").mean()
    women = (emp["gender"] == "P").mean()
    regional = emp["instansi_id"].str.startswith("D").mean()
    pns = emp[emp["employment_type"] == "PNS"]
    gol_iii = pns["golongan"].str.startswith("III/").mean()
    baik = (nation["performance"]["predikat"] == "Baik").mean()
    assert 0.21 <= pppk <= 0.29, pppk
    assert 0.52 <= women <= 0.60, women
    assert 0.74 <= regional <= 0.82, regional
    assert gol_iii > 0.50, gol_iii
    assert 0.75 <= baik <= 0.85, baik
    assert 0.0 < len(nation["assessment"]) / len(emp) < 0.15
    assert 0.0 < len(nation["discipline"]) / len(emp) < 0.05
    assert set(nation["vacancy"]["sector"]) <= set(history.SECTOR_JOBS)


def test_every_clean_person_is_coherent(nation: dict[str, pd.DataFrame]) -> None:
    emp = nation["employee"]
    assert emp["nip"].is_unique
    for row in emp.itertuples(index=False):
        info = identifiers.parse_nip(row.nip)
        assert info.valid, (row.nip, info.problems)
        assert info.birth_date == row.birth_date.date()
        assert info.gender == row.gender
        assert info.employment_type == row.employment_type
        if row.employment_type == "PNS":
            assert (info.tmt_year, info.tmt_month) == (row.tmt_cpns.year, row.tmt_cpns.month)
            assert jabatan.golongan_in_range(row.jabatan_level, row.golongan), (row.jabatan_level, row.golongan)
        else:
            assert row.nip[12:14] == "21" and info.tmt_year == row.tmt_cpns.year
        assert golongan.is_valid_for(row.golongan, row.employment_type)
        nik = identifiers.parse_nik(row.nik, today=SNAPSHOT)
        assert nik.valid and nik.gender == row.gender and nik.birth_date == row.birth_date.date()
        assert nik.region_code in KAB_CODES
        age = (pd.Timestamp(SNAPSHOT) - row.birth_date).days / 365.25
        assert 18 <= age < jabatan.bup(row.jabatan_level)
        assert row.tmt_cpns >= row.birth_date + pd.DateOffset(years=18)
        assert row.tmt_golongan >= row.tmt_cpns and row.tmt_jabatan >= row.tmt_cpns


def test_skp_follows_the_matrix(nation: dict[str, pd.DataFrame]) -> None:
    perf = nation["performance"]
    expected = [predikat.predikat_for(h, p) for h, p in zip(perf["hasil_kerja"], perf["perilaku_kerja"], strict=True)]
    assert list(perf["predikat"]) == expected
    years = perf.groupby("nip")["year"].nunique()
    assert years.max() == history.SKP_YEARS and years.min() >= 1
    assert not perf.duplicated(["nip", "year"]).any()
