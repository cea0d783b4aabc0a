"""Small code lists: gender, employment type, kedudukan hukum, religion, discipline levels."""

from __future__ import annotations

GENDERS = ("L", "P")
EMPLOYMENT_TYPES = ("PNS", "PPPK")

_GENDER_ALIASES = {
    "L": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "PRIA": "L", "M": "L", "MALE": "L", "1": "L",
    "P": "P", "PEREMPUAN": "P", "WANITA": "P", "F": "P", "FEMALE": "P", "W": "P", "2": "P",
}


def normalize_gender(raw: object) -> str | None:
    """'L' or 'P' for the spellings regional systems use, else ``None``."""
    if raw is None:
        return None
    return _GENDER_ALIASES.get(str(raw).strip().upper())


_EMPLOYMENT_ALIASES = {
    "PNS": "PNS", "CPNS": "PNS", "PEGAWAI NEGERI SIPIL": "PNS", "PNS PUSAT": "PNS", "PNS DAERAH": "PNS",
    "PPPK": "PPPK", "P3K": "PPPK", "PPPK PENUH WAKTU": "PPPK",
    "PEGAWAI PEMERINTAH DENGAN PERJANJIAN KERJA": "PPPK",
}


def normalize_employment_type(raw: object) -> str | None:
    """'PNS' or 'PPPK', else ``None``."""
    if raw is None:
        return None
    return _EMPLOYMENT_ALIASES.get(" ".join(str(raw).strip().upper().split()))


# Kedudukan hukum (SIASN kedudukanPnsId), domain.md §2.8. Canonical value: the 2-digit id.
KEDUDUKAN: dict[str, str] = {
    "01": "Aktif", "02": "CLTN", "03": "Tugas Belajar", "04": "Pemberhentian Sementara",
    "05": "Penerima Uang Tunggu", "06": "Prajurit Wajib", "07": "Pejabat Negara", "08": "Kepala Desa",
    "09": "Proses Banding BAPEK", "11": "Pegawai Titipan", "12": "Pengungsi", "13": "Perpanjangan CLTN",
    "14": "PNS dinyatakan hilang", "15": "PNS kena hukuman disiplin",
    "16": "Pemindahan dlm rangka penurunan jabatan", "20": "Masa Persiapan Pensiun",
    "51": "CPNS belum menerima SK", "52": "Tidak Aktif", "66": "Diberhentikan", "67": "Punah",
    "68": "Eks PNS Timor Timur", "69": "TMS dari Pengadaan", "70": "Pembatalan NIP",
    "77": "Berhenti tanpa hak pensiun", "88": "Berhenti dengan hak pensiun",
    "89": "Tidak aktif tapi diusulkan pensiun", "90": "Tidak ikut PUPNS 2015", "91": "Tindak pidana",
    "92": "Pemblokiran data", "98": "Mencapai BUP", "99": "Pensiun",
}
ACTIVE_STATUSES = frozenset({"01", "03", "15", "20"})
_KEDUDUKAN_BY_NAME = {name.upper(): code for code, name in KEDUDUKAN.items()}
_KEDUDUKAN_BY_NAME |= {"PPPK AKTIF": "01", "AKTIF": "01", "ACTIVE": "01", "PENSIUN": "99"}


def normalize_status(raw: object) -> str | None:
    """Canonical kedudukan hukum id (``'01'`` = Aktif) from an id or a name."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.isdigit():
        code = text.zfill(2)
        return code if code in KEDUDUKAN else None
    return _KEDUDUKAN_BY_NAME.get(" ".join(text.upper().split()))


def is_active(status: str | None) -> bool:
    """True when the kedudukan hukum counts as active service (scored, matched)."""
    return status in ACTIVE_STATUSES


RELIGIONS: dict[str, str] = {
    "1": "Islam", "2": "Kristen", "3": "Katholik", "4": "Hindu", "5": "Budha", "6": "Konghucu", "7": "Lainnya",
}
_RELIGION_BY_NAME = {name.upper(): rid for rid, name in RELIGIONS.items()} | {
    "KRISTEN PROTESTAN": "2", "PROTESTAN": "2", "KATOLIK": "3", "BUDDHA": "5", "KONG HU CU": "6",
    "KHONGHUCU": "6",
}


def normalize_religion(raw: object) -> str | None:
    """SIASN agama id for an id or a name (``Islam`` → ``'1'``), else ``None``."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.isdigit():
        return text.lstrip("0") if text.lstrip("0") in RELIGIONS else None
    return _RELIGION_BY_NAME.get(" ".join(text.upper().split()))


# Disciplinary penalty levels (SIASN jenisTingkatHukumanId).
DISCIPLINE_LEVELS: dict[str, str] = {"R": "ringan", "S": "sedang", "B": "berat"}
_DISCIPLINE_ALIASES = {"R": "R", "RINGAN": "R", "S": "S", "SEDANG": "S", "B": "B", "BERAT": "B"}


def normalize_discipline_level(raw: object) -> str | None:
    """'R', 'S' or 'B' for ringan/sedang/berat, else ``None``."""
    if raw is None:
        return None
    return _DISCIPLINE_ALIASES.get(str(raw).strip().upper())
