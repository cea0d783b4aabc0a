"""The people: a vectorised (numpy) ASN population per source, coherent person by person.

Distributions follow ``shared/reference/domain.md`` §4 (press figures, [S]); they are module constants
so a reviewer can change them in one place. Every person is coherent: the NIP is built from the birth
date, CPNS TMT (PPPK: appointment year + code 21) and gender; the NIK from a kecamatan-like code of the
region, birth date and gender (+40 for women); golongan follows education and tenure; the jabatan level
lies within the golongan range (PNS); everybody is younger than the BUP of their level.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

import numpy as np
import pandas as pd

from talenta.domain import education, golongan, jabatan, regions
from talenta.sources.registry import Source
from talenta.synth.spell import LEVEL_NAMES

NATIONAL_ASN = 4_734_041          # 31 Dec 2024, domain.md §4.1
CENTRAL_SHARE = 0.22              # §4.2
PPPK_SHARE_CENTRAL = 0.05         # §4.2: PPPK are ~96% regional
PPPK_SHARE_REGIONAL = 0.31        # gives ~25% PPPK nationally
WOMEN_SHARE = {"PNS": 0.54, "PPPK": 0.66}   # §4.3
# Age bins (lower, upper, share), §4.5; capped below the lowest BUP (58).
AGE_BINS = {
    "PNS": ((21, 30, 0.08), (31, 40, 0.24), (41, 50, 0.33), (51, 57.9, 0.35)),
    "PPPK": ((21, 30, 0.19), (31, 40, 0.49), (41, 50, 0.25), (51, 57.9, 0.07)),
}
# Highest education, §4.4.
EDUCATION_SHARES = {
    "PNS": {"SD": .004, "SLTP": .008, "SLTA": .11, "SLTA-K": .02, "D1": .01, "D2": .01, "D3": .11, "D4": .02,
            "S1": .56, "PROFESI": .01, "S2": .12, "SP1": .004, "S3": .009},
    "PPPK": {"SLTA": .01, "D3": .09, "D4": .02, "S1": .83, "S2": .05},
}
# Prior weight of each jabatan level among PNS (§4.6: struktural ~9%, fungsional ~56%, pelaksana ~35%),
# before restricting to the levels the person's golongan allows.
PNS_LEVEL_PRIOR = {
    "PELAKSANA": 35, "PEMULA": 2, "TERAMPIL": 6, "MAHIR": 4, "PENYELIA": 3, "AHLI_PERTAMA": 14,
    "AHLI_MUDA": 17, "AHLI_MADYA": 10, "AHLI_UTAMA": 0.3, "PENGAWAS": 6, "ADMINISTRATOR": 2.2,
    "JPT_PRATAMA": 0.5, "JPT_MADYA": 0.05, "JPT_UTAMA": 0.01,
}
PPPK_GOLONGAN_BY_LEVEL = {"PEMULA": "V", "TERAMPIL": "VII", "MAHIR": "IX", "PENYELIA": "XI",
                          "AHLI_PERTAMA": "IX", "AHLI_MUDA": "XI", "AHLI_MADYA": "XIII", "AHLI_UTAMA": "XVI"}
RELIGION_SHARES = {"1": .87, "2": .07, "3": .03, "4": .017, "5": .007, "6": .001, "7": .005}
# (jabatan base name, regional unit, central unit, weight) for fungsional staff.
FUNGSIONAL_JOBS = (
    ("Guru", "Dinas Pendidikan", "Direktorat Jenderal Pendidikan", 50), ("Perawat", "Dinas Kesehatan", "Rumah Sakit Pusat", 12),
    ("Bidan", "Dinas Kesehatan", "Rumah Sakit Pusat", 6), ("Dokter", "RSUD", "Rumah Sakit Pusat", 4),
    ("Penyuluh Pertanian", "Dinas Pertanian", "Badan Penyuluhan", 5),
    ("Analis Kebijakan", "Sekretariat Daerah", "Sekretariat Jenderal", 8),
    ("Pranata Komputer", "Dinas Komunikasi dan Informatika", "Pusat Data dan Informasi", 5),
    ("Auditor", "Inspektorat", "Inspektorat Jenderal", 5),
    ("Analis SDM Aparatur", "Badan Kepegawaian Daerah", "Biro Sumber Daya Manusia", 5),
)
PELAKSANA_JOBS = ("Pengadministrasi Perkantoran", "Operator Layanan Operasional", "Penata Layanan Operasional",
                  "Pengelola Umum Operasional")
STRUKTURAL_PREFIX = {"PENGAWAS": "Kepala Seksi", "ADMINISTRATOR": "Kepala Bidang", "JPT_PRATAMA": "Kepala",
                     "JPT_MADYA": "Sekretaris", "JPT_UTAMA": "Kepala"}
UNITS_REGIONAL = ("Dinas Pendidikan", "Dinas Kesehatan", "Sekretariat Daerah", "Badan Keuangan Daerah",
                  "Dinas Pekerjaan Umum", "Badan Perencanaan Pembangunan Daerah", "Dinas Sosial")
UNITS_CENTRAL = ("Sekretariat Jenderal", "Direktorat Jenderal I", "Direktorat Jenderal II", "Inspektorat Jenderal",
                 "Badan Pengembangan SDM")
MAJORS = {"SD": "-", "SLTP": "-", "SLTP-K": "-", "SLTA": "IPA", "SLTA-K": "Akuntansi", "SLTA-G": "Keguruan",
          "D1": "Administrasi", "D2": "Pendidikan Guru", "D3": "Keperawatan", "D4": "Kebidanan",
          "S1": "Pendidikan", "PROFESI": "Pendidikan Dokter", "S2": "Administrasi Publik",
          "SP1": "Ilmu Penyakit Dalam", "SP2": "Kardiologi", "S3": "Ilmu Pemerintahan"}
FIRST_L = np.array(["Agus", "Budi", "Dedi", "Eko", "Hendra", "Iwan", "Joko", "Rudi", "Slamet", "Teguh", "Yusuf",
                    "Andi", "Bambang", "Dimas", "Fajar", "Hadi", "Imam", "Made", "Nyoman", "Rizky", "Wahyu", "Zainal"])
FIRST_P = np.array(["Ani", "Dewi", "Endang", "Fitri", "Indah", "Lestari", "Nur", "Putri", "Rina", "Siti", "Sri",
                    "Tuti", "Wulan", "Yuni", "Kadek", "Ayu", "Ratna", "Maria", "Desi", "Lina", "Mega", "Nia"])
LAST = np.array(["Santoso", "Wijaya", "Saputra", "Hidayat", "Siregar", "Nasution", "Lubis", "Harahap",
                 "Purnomo", "Setiawan", "Kusuma", "Pratama", "Rahman", "Simanjuntak", "Tanjung", "Wibowo",
                 "Gunawan", "Susanto", "Sihombing", "Pangaribuan", "Manurung", "Sembiring", "Utami", "Yulianti"])


def source_rng(seed: int, source_index: int, salt: int = 0) -> np.random.Generator:
    """The random stream of one source: independent of every other source and of process scheduling."""
    return np.random.default_rng([seed, source_index, salt])


def _weight(source: Source) -> float:
    """Relative headcount of a source among its level (central or regional)."""
    jitter = int(hashlib.sha256(source.source_id.encode()).hexdigest()[:6], 16) / 0xFFFFFF
    if source.level == "pusat":
        return 0.3 + 2.0 * jitter ** 3
    region = regions.by_code()[source.region_code]
    base = {"provinsi": 2.5, "kabupaten": 1.0, "kota": 0.7}[region.kind]
    big = 1.7 if region.province_code in {"32", "33", "35"} else 1.0
    return base * big * (0.6 + 0.8 * jitter)


def headcounts(sources: tuple[Source, ...] | list[Source], scale: float) -> dict[str, int]:
    """Employees per source at ``scale`` (1.0 = the nation), computed over the whole registry."""
    return dict(_headcounts(tuple(sources), scale))


@functools.cache
def _headcounts(sources: tuple[Source, ...], scale: float) -> dict[str, int]:
    total = NATIONAL_ASN * scale
    out = {}
    for level, share in (("pusat", CENTRAL_SHARE), ("daerah", 1 - CENTRAL_SHARE)):
        group = [s for s in sources if s.level == level]
        weights = np.array([_weight(s) for s in group])
        counts = np.maximum(3, np.round(total * share * weights / weights.sum())).astype(int)
        out.update({s.source_id: int(c) for s, c in zip(group, counts, strict=True)})
    return out


def _choice(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _first_of_month(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype("datetime64[D]")


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = days.astype("datetime64[Y]").astype(int) + 1970
    m = days.astype("datetime64[M]").astype(int) % 12 + 1
    d = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    return y, m, d


@functools.cache
def _kab_codes() -> tuple[str, ...]:
    return tuple(r.code for r in regions.all_regions() if len(r.code) == 4)


def _kecamatan_regions(source: Source, rng: np.random.Generator, n: int) -> np.ndarray:
    """4-digit kab/kota codes where people were registered (NIK prefix), near the source's region."""
    if len(source.region_code) == 4:
        pool = [source.region_code]
    else:
        prov = "31" if source.level == "pusat" else source.region_code
        pool = [c for c in _kab_codes() if c[:2] == prov]
    national = np.array(_kab_codes())
    local = np.array(pool)[rng.integers(0, len(pool), n)]
    # Some people were born and registered elsewhere.
    return np.where(rng.random(n) < 0.15, national[rng.integers(0, len(national), n)], local)


def generate_employees(source: Source, source_index: int, n: int, snapshot: dt.date,
                       rng: np.random.Generator) -> pd.DataFrame:
    """``n`` coherent, defect-free employees of one source (canonical employee columns)."""
    snap = np.datetime64(snapshot, "D")
    pppk_share = PPPK_SHARE_CENTRAL if source.level == "pusat" else PPPK_SHARE_REGIONAL
    is_pppk = rng.random(n) < pppk_share
    etype = np.where(is_pppk, "PPPK", "PNS")
    women = rng.random(n) < np.where(is_pppk, WOMEN_SHARE["PPPK"], WOMEN_SHARE["PNS"])
    gender = np.where(women, "P", "L")

    age = np.empty(n)
    edu = np.empty(n, dtype=object)
    for kind, mask in (("PNS", ~is_pppk), ("PPPK", is_pppk)):
        k = int(mask.sum())
        bins = AGE_BINS[kind]
        which = rng.choice(len(bins), size=k, p=[b[2] for b in bins])
        lo = np.array([b[0] for b in bins])[which]
        hi = np.array([b[1] for b in bins])[which] + 1
        age[mask] = np.minimum(lo + rng.random(k) * (hi - lo), 57.95)
        edu[mask] = _choice(rng, EDUCATION_SHARES[kind], k)
    birth = snap - (age * 365.25).astype("timedelta64[D]")

    school_years = np.array([education.BY_CODE[e].years for e in edu])
    entry_age = np.clip(school_years + 6 + rng.gamma(2.0, 2.0, n), 18, 35)
    tmt_pns = birth + (entry_age * 365.25).astype("timedelta64[D]")
    latest = snap - np.timedelta64(60, "D")
    tmt_pns = np.where(tmt_pns > latest, latest - rng.integers(0, 400, n).astype("timedelta64[D]"), tmt_pns)
    # PPPK appointments began in 2019 and grew fast (§4.1).
    pppk_year = rng.choice(np.arange(2019, snapshot.year + 1), size=n,
                           p=_normalised(np.arange(1, snapshot.year - 2017) ** 1.5))
    pppk_tmt = (pppk_year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(0, 12, n) * 30
    tmt = _first_of_month(np.where(is_pppk, np.minimum(pppk_tmt, latest), tmt_pns))
    adult = ((birth + np.timedelta64(18 * 366, "D")).astype("datetime64[M]") + 1).astype("datetime64[D]")
    tmt = np.maximum(tmt, adult)
    tenure = (snap - tmt).astype(int) / 365.25

    # PNS golongan: entry by education, a promotion every 4-6 years, capped by education and slower in IV.
    entry_rank = np.array([golongan.rank(education.entry_golongan(e, "PNS")) for e in edu])
    step = 4 + 2 * rng.random(n)
    rank = entry_rank + np.floor(tenure / step).astype(int)
    cap = np.where(np.isin(edu, ["SD", "SLTP", "SLTP-K"]), 8,
                   np.where(np.isin(edu, ["SLTA", "SLTA-K", "SLTA-G", "D1", "D2", "D3"]), 12, 17))
    rank = np.minimum(rank, cap)
    above = np.maximum(rank - 13, 0)
    rank = np.where(rank > 13, 13 + np.floor(above * rng.random(n) ** 2).astype(int), rank)
    rank = np.where(rank >= 13, np.where(rng.random(n) < 0.35, 12, rank), rank)
    rank = np.maximum(rank, entry_rank)
    pns_codes = np.array(golongan.PNS_CODES, dtype=object)

    level = np.empty(n, dtype=object)
    level_codes = list(PNS_LEVEL_PRIOR)
    high = np.isin(edu, ["D4", "S1", "PROFESI", "S2", "SP1", "SP2", "S3"])
    for r in np.unique(rank[~is_pppk]):
        for degree in (False, True):
            mask = (~is_pppk) & (rank == r) & (high == degree)
            if not mask.any():
                continue
            w = np.array([PNS_LEVEL_PRIOR[c] if jabatan.golongan_in_range(c, pns_codes[r - 1]) else 0.0
                          for c in level_codes])
            # Keahlian (Ahli ...) jabatan need a degree; keep them only when another level fits.
            no_ahli = np.where([c.startswith("AHLI") for c in level_codes], 0.0, w)
            if not degree and no_ahli.sum() > 0:
                w = no_ahli
            level[mask] = np.array(level_codes, dtype=object)[rng.choice(len(level_codes), int(mask.sum()),
                                                                        p=w / w.sum())]
    pppk_level = np.where(high, np.where(rng.random(n) < 0.78, "AHLI_PERTAMA",
                                         np.where(rng.random(n) < 0.3, "AHLI_MUDA", "PELAKSANA")),
                          np.where(edu == "D3", "TERAMPIL", "PELAKSANA"))
    level = np.where(is_pppk, pppk_level, level)
    pppk_gol = np.array([PPPK_GOLONGAN_BY_LEVEL.get(lv) or education.entry_golongan(e, "PPPK")
                         for lv, e in zip(pppk_level, edu, strict=True)], dtype=object)
    gol = np.where(is_pppk, pppk_gol, pns_codes[rank - 1])
    jtype = np.array([jabatan.BY_CODE[lv].jabatan_type for lv in level], dtype=object)

    promotions = np.where(is_pppk, 0, rank - entry_rank)
    tmt_gol = _first_of_month(np.minimum(tmt + (promotions * step * 365.25).astype("timedelta64[D]"), latest))
    tmt_gol = np.maximum(tmt_gol, tmt)
    tmt_jab = _first_of_month(tmt + (rng.random(n) * (snap - tmt).astype(int)).astype("timedelta64[D]"))

    jab_name, unit = _jobs(source, level, jtype, rng, n)

    by, bm, bd = _ymd(birth)
    ty, tm, _ = _ymd(tmt)
    code = np.where(is_pppk, 21, tm)
    prefix = (by * 10000 + bm * 100 + bd).astype(np.int64) * 10**7 + (ty * 100 + code) * 10 + np.where(women, 2, 1)
    # The sequence starts at 001 per 15-digit prefix; the source index spreads sequences across sources
    # so that two sources rarely issue the same NIP.
    order = pd.Series(prefix).groupby(prefix).cumcount().to_numpy()
    seq = 1 + (source_index + 644 * order) % 999
    nip = (prefix * 1000 + seq).astype(str)
    kec = _kecamatan_regions(source, rng, n).astype(np.int64) * 100 + rng.integers(1, 30, n)
    nik_day = bd + np.where(women, 40, 0)
    nik = (kec * 10**10 + (nik_day * 10000 + bm * 100 + by % 100) * 10**4 + rng.integers(1, 9999, n)).astype(str)

    first = np.where(women, FIRST_P[rng.integers(0, len(FIRST_P), n)], FIRST_L[rng.integers(0, len(FIRST_L), n)])
    name = pd.Series(first, dtype=object) + " " + pd.Series(LAST[rng.integers(0, len(LAST), n)], dtype=object)
    status = np.where(rng.random(n) < 0.985, "01", np.where(rng.random(n) < 0.7, "03", "20"))
    updated = snap - rng.integers(1, 365, n).astype("timedelta64[D]")
    updated_at = updated.astype("datetime64[s]") + rng.integers(6 * 3600, 18 * 3600, n).astype("timedelta64[s]")
    return pd.DataFrame({
        "nip": nip, "nik": nik, "name": name.to_numpy(), "gender": gender, "birth_date": birth,
        "religion": _choice(rng, RELIGION_SHARES, n), "employment_type": etype, "golongan": gol,
        "tmt_golongan": tmt_gol, "jabatan_name": jab_name, "jabatan_type": jtype, "jabatan_level": level,
        "tmt_jabatan": tmt_jab, "education_level": edu, "education_major": [MAJORS[e] for e in edu],
        "unit_name": unit, "instansi_id": source.instansi_id, "region_code": source.region_code,
        "status": status, "tmt_cpns": tmt, "updated_at": updated_at.astype("datetime64[us]"),
    })


def _normalised(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum()


def _jobs(source: Source, level: np.ndarray, jtype: np.ndarray, rng: np.random.Generator,
          n: int) -> tuple[np.ndarray, np.ndarray]:
    """Jabatan name and unit, consistent with the jabatan type and level."""
    central = source.level == "pusat"
    units = np.array(UNITS_CENTRAL if central else UNITS_REGIONAL, dtype=object)
    unit = units[rng.integers(0, len(units), n)]
    job = rng.choice(len(FUNGSIONAL_JOBS), n, p=_normalised([j[3] for j in FUNGSIONAL_JOBS]))
    f_base = np.array([j[0] for j in FUNGSIONAL_JOBS], dtype=object)[job]
    f_unit = np.array([j[2 if central else 1] for j in FUNGSIONAL_JOBS], dtype=object)[job]
    level_name = pd.Series(level).map(LEVEL_NAMES).to_numpy(dtype=object)
    pel = np.array(PELAKSANA_JOBS, dtype=object)[rng.integers(0, len(PELAKSANA_JOBS), n)]
    prefix = pd.Series(level).map(STRUKTURAL_PREFIX).fillna("Kepala").to_numpy(dtype=object)
    name = np.where(jtype == "fungsional", f_base + " " + level_name,
                    np.where(jtype == "pelaksana", pel, prefix + " " + unit))
    unit = np.where(jtype == "fungsional", f_unit, unit)
    return name, unit
