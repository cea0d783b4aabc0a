"""History per person: annual SKP (2-3 years), assessments for a minority, discipline for a few, and
vacancies per source. All vectorised over a source's employees."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from talenta.domain import jabatan, predikat
from talenta.domain.schemas import SECTORS
from talenta.sources.registry import Source
from talenta.synth.spell import LEVEL_NAMES

SKP_YEARS = 3
# (hasil kerja, perilaku kerja) pairs and their shares: predikat Baik ~80%, Sangat Baik ~14%, rest ~6%
# (lenient distribution, domain.md §1.4).
RATING_PAIRS = (
    (("DI_ATAS", "DI_ATAS"), 0.14), (("SESUAI", "SESUAI"), 0.60), (("DI_ATAS", "SESUAI"), 0.10),
    (("SESUAI", "DI_ATAS"), 0.10), (("DI_BAWAH", "SESUAI"), 0.03), (("SESUAI", "DI_BAWAH"), 0.015),
    (("DI_BAWAH", "DI_BAWAH"), 0.005), (("DI_BAWAH", "DI_ATAS"), 0.01),
)
ASSESSMENT_SHARE = 0.08     # of PNS at III/a or above
DISCIPLINE_SHARE = 0.01
PENALTIES = {"R": ("Teguran Lisan", "Teguran Tertulis", "Pernyataan Tidak Puas Secara Tertulis"),
             "S": ("Pemotongan Tunjangan Kinerja 25% selama 6 bulan", "Pemotongan Tunjangan Kinerja 25% selama 12 bulan"),
             "B": ("Penurunan Jabatan Setingkat Lebih Rendah selama 12 bulan", "Pembebasan dari Jabatan")}
PENALTY_MONTHS = {"R": 0, "S": 12, "B": 12}
VACANCY_RATE = 0.02
SECTOR_SHARES = (0.35, 0.25, 0.10, 0.30)   # SECTORS order: pendidikan, kesehatan, pengendalian inflasi, lainnya
MIN_EDUCATION = {"PELAKSANA": "SLTA", "PEMULA": "SLTA", "TERAMPIL": "D3", "MAHIR": "D3", "PENYELIA": "D3",
                 "AHLI_PERTAMA": "S1", "AHLI_MUDA": "S1", "AHLI_MADYA": "S1", "AHLI_UTAMA": "S2",
                 "PENGAWAS": "S1", "ADMINISTRATOR": "S1", "JPT_PRATAMA": "S2", "JPT_MADYA": "S2", "JPT_UTAMA": "S2"}
SECTOR_JOBS = {"pendidikan": "Guru", "kesehatan": "Perawat", "pengendalian_inflasi": "Analis Perdagangan",
               "lainnya": "Analis Kebijakan"}


def generate_performance(emp: pd.DataFrame, snapshot: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """Annual SKP for each of the last ``SKP_YEARS`` full years the person served."""
    frames = []
    tmt_year = pd.to_datetime(emp["tmt_cpns"]).dt.year.to_numpy()
    pairs = np.array([p for p, _ in RATING_PAIRS], dtype=object)
    shares = np.array([s for _, s in RATING_PAIRS])
    for year in range(snapshot.year - SKP_YEARS, snapshot.year):
        mask = tmt_year <= year
        k = int(mask.sum())
        which = rng.choice(len(pairs), size=k, p=shares / shares.sum())
        hasil = np.array([p[0] for p in pairs], dtype=object)[which]
        perilaku = np.array([p[1] for p in pairs], dtype=object)[which]
        frames.append(pd.DataFrame({
            "nip": emp["nip"].to_numpy()[mask], "year": np.full(k, year, dtype=np.int16),
            "hasil_kerja": hasil, "perilaku_kerja": perilaku,
            "predikat": [predikat.predikat_for(h, p) for h, p in zip(hasil, perilaku, strict=True)],
        }))
    out = pd.concat(frames, ignore_index=True)
    # Person by person, year by year: the order a SIMPEG table would list them.
    return out.sort_values(["nip", "year"], kind="stable").reset_index(drop=True)


def generate_assessments(emp: pd.DataFrame, snapshot: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """One assessment (AC or CACT) for a minority of PNS at golongan III or IV."""
    eligible = (emp["employment_type"] == "PNS") & emp["golongan"].str.startswith(("III", "IV"))
    pick = eligible.to_numpy() & (rng.random(len(emp)) < ASSESSMENT_SHARE)
    k = int(pick.sum())
    snap = np.datetime64(snapshot, "D")

    def score(mean: float) -> np.ndarray:
        return np.round(np.clip(rng.normal(mean, 9, k), 30, 100), 2)

    return pd.DataFrame({
        "nip": emp["nip"].to_numpy()[pick],
        "assessed_on": snap - rng.integers(30, 3 * 365, k).astype("timedelta64[D]"),
        "method": np.where(rng.random(k) < 0.4, "AC", "CACT"),
        "jpm_pct": score(76), "potensi_score": score(72), "kompetensi_manajerial": score(70),
        "kompetensi_sosiokultural": score(72), "kompetensi_teknis": score(74),
    })


def generate_discipline(emp: pd.DataFrame, snapshot: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """Disciplinary decisions for a few employees (ringan most, berat rare)."""
    pick = rng.random(len(emp)) < DISCIPLINE_SHARE
    k = int(pick.sum())
    level = rng.choice(np.array(["R", "S", "B"], dtype=object), size=k, p=[0.7, 0.2, 0.1])
    penalty = np.array([PENALTIES[lv][i % len(PENALTIES[lv])] for lv, i in
                        zip(level, rng.integers(0, 6, k), strict=True)], dtype=object)
    decided = np.datetime64(snapshot, "D") - rng.integers(20, 4 * 365, k).astype("timedelta64[D]")
    months = np.array([PENALTY_MONTHS[lv] for lv in level])
    return pd.DataFrame({
        "nip": emp["nip"].to_numpy()[pick], "decided_on": decided, "level": level, "penalty": penalty,
        "ends_on": decided + (months * 30.5).astype("timedelta64[D]"),
    })


def generate_vacancies(source: Source, source_index: int, n_employees: int, snapshot: dt.date,
                       rng: np.random.Generator) -> pd.DataFrame:
    """Open positions of one source, each with a sector and golongan/education requirements."""
    k = max(2, round(n_employees * VACANCY_RATE))
    sector = np.array(SECTORS, dtype=object)[rng.choice(len(SECTORS), k, p=SECTOR_SHARES)]
    levels = np.array(["AHLI_PERTAMA", "AHLI_MUDA", "AHLI_MADYA", "TERAMPIL", "PENGAWAS", "ADMINISTRATOR",
                       "JPT_PRATAMA"], dtype=object)
    level = levels[rng.choice(len(levels), k, p=[0.35, 0.25, 0.1, 0.12, 0.1, 0.06, 0.02])]
    jtype = np.array([jabatan.BY_CODE[lv].jabatan_type for lv in level], dtype=object)
    base = pd.Series(sector).map(SECTOR_JOBS).to_numpy(dtype=object)
    name = np.where(jtype == "fungsional", base + " " + pd.Series(level).map(LEVEL_NAMES).to_numpy(dtype=object),
                    "Kepala Seksi " + sector)
    # Numeric ids, unique nationwide: some vendors keep the vacancy id as an INTEGER primary key.
    vacancy_id = (np.int64(source_index + 1) * 100000 + np.arange(1, k + 1)).astype(str)
    return pd.DataFrame({
        "vacancy_id": vacancy_id, "instansi_id": source.instansi_id, "region_code": source.region_code,
        "jabatan_name": name, "jabatan_type": jtype, "jabatan_level": level,
        "min_golongan": [jabatan.BY_CODE[lv].min_golongan for lv in level],
        "min_education": [MIN_EDUCATION[lv] for lv in level], "sector": sector,
        "opened_on": np.datetime64(snapshot, "D") - rng.integers(1, 180, k).astype("timedelta64[D]"),
    })
