"""Agencies (instansi): the 98 central agencies and one regional government per autonomous region.

``instansi_id`` is stable and readable: ``D<region code>`` for a regional government (``D3578`` =
Pemerintah Kota Surabaya), ``P<nnn>`` for a central agency. BKN's own GUIDs and kode cepat are mapped to
these in a crosswalk when real data arrives (domain.md §3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from talenta.domain import regions

# Central agencies (kementerian, LPNK, LNS, kesekretariatan), all seated in DKI Jakarta (region 31).
CENTRAL_NAMES: tuple[str, ...] = (
    "Kementerian Sekretariat Negara", "Kementerian Dalam Negeri", "Kementerian Luar Negeri",
    "Kementerian Pertahanan", "Kementerian Hukum", "Kementerian Hak Asasi Manusia",
    "Kementerian Imigrasi dan Pemasyarakatan", "Kementerian Keuangan", "Kementerian Agama",
    "Kementerian Pendidikan Dasar dan Menengah", "Kementerian Pendidikan Tinggi, Sains, dan Teknologi",
    "Kementerian Kebudayaan", "Kementerian Kesehatan", "Kementerian Sosial", "Kementerian Ketenagakerjaan",
    "Kementerian Perindustrian", "Kementerian Perdagangan", "Kementerian Energi dan Sumber Daya Mineral",
    "Kementerian Pekerjaan Umum", "Kementerian Perumahan dan Kawasan Permukiman", "Kementerian Perhubungan",
    "Kementerian Komunikasi dan Digital", "Kementerian Pertanian", "Kementerian Kehutanan",
    "Kementerian Kelautan dan Perikanan", "Kementerian Desa dan Pembangunan Daerah Tertinggal",
    "Kementerian Transmigrasi", "Kementerian Agraria dan Tata Ruang/BPN",
    "Kementerian Perencanaan Pembangunan Nasional/Bappenas",
    "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi", "Kementerian Badan Usaha Milik Negara",
    "Kementerian Koperasi", "Kementerian Usaha Mikro, Kecil, dan Menengah", "Kementerian Pariwisata",
    "Kementerian Ekonomi Kreatif", "Kementerian Pemberdayaan Perempuan dan Perlindungan Anak",
    "Kementerian Pemuda dan Olahraga", "Kementerian Lingkungan Hidup", "Kementerian Investasi dan Hilirisasi",
    "Kementerian Pelindungan Pekerja Migran Indonesia", "Kementerian Kependudukan dan Pembangunan Keluarga",
    "Kementerian Koordinator Bidang Politik dan Keamanan", "Kementerian Koordinator Bidang Perekonomian",
    "Kementerian Koordinator Bidang Pembangunan Manusia dan Kebudayaan",
    "Kementerian Koordinator Bidang Infrastruktur dan Pembangunan Kewilayahan",
    "Kementerian Koordinator Bidang Pangan", "Kementerian Koordinator Bidang Hukum, HAM, Imigrasi dan Pemasyarakatan",
    "Kementerian Koordinator Bidang Pemberdayaan Masyarakat",
    "Kejaksaan Agung", "Mahkamah Agung", "Mahkamah Konstitusi", "Komisi Yudisial", "Badan Pemeriksa Keuangan",
    "Sekretariat Jenderal MPR", "Sekretariat Jenderal DPR", "Sekretariat Jenderal DPD",
    "Sekretariat Kabinet", "Kantor Staf Presiden", "Badan Kepegawaian Negara", "Lembaga Administrasi Negara",
    "Arsip Nasional Republik Indonesia", "Badan Pusat Statistik", "Badan Riset dan Inovasi Nasional",
    "Badan Informasi Geospasial", "Badan Meteorologi, Klimatologi, dan Geofisika",
    "Badan Nasional Penanggulangan Bencana", "Badan Nasional Pencarian dan Pertolongan",
    "Badan Narkotika Nasional", "Badan Nasional Penanggulangan Terorisme", "Badan Siber dan Sandi Negara",
    "Badan Intelijen Negara", "Badan Keamanan Laut", "Badan Pengawas Obat dan Makanan",
    "Badan Pengawasan Keuangan dan Pembangunan", "Badan Standardisasi Nasional", "Badan Pengawas Tenaga Nuklir",
    "Badan Kependudukan dan Keluarga Berencana Nasional", "Badan Pangan Nasional", "Badan Karantina Indonesia",
    "Badan Gizi Nasional", "Badan Pembinaan Ideologi Pancasila", "Badan Nasional Pengelola Perbatasan",
    "Badan Pengusahaan Batam", "Perpustakaan Nasional",
    "Lembaga Kebijakan Pengadaan Barang/Jasa Pemerintah", "Lembaga Ketahanan Nasional",
    "Komisi Pemberantasan Korupsi", "Komisi Pemilihan Umum", "Badan Pengawas Pemilihan Umum",
    "Komisi Nasional Hak Asasi Manusia", "Ombudsman Republik Indonesia", "Komisi Pengawas Persaingan Usaha",
    "Pusat Pelaporan dan Analisis Transaksi Keuangan", "Lembaga Perlindungan Saksi dan Korban",
    "Kepolisian Negara Republik Indonesia", "Tentara Nasional Indonesia",
    "Badan Penyelenggara Haji", "Otorita Ibu Kota Nusantara",
)


@dataclass(frozen=True)
class Agency:
    """One instansi: id, name, level ('pusat' or 'daerah') and the region it sits in."""

    instansi_id: str
    name: str
    level: str
    region_code: str


def _government_name(region: regions.Region) -> str:
    if region.kind == "provinsi":
        return f"Pemerintah Provinsi {region.name}"
    return f"Pemerintah {region.name}"


@cache
def all_agencies() -> tuple[Agency, ...]:
    """The 98 central agencies followed by the 546 regional governments (644 in all)."""
    central = tuple(Agency(f"P{i:03d}", name, "pusat", "31") for i, name in enumerate(CENTRAL_NAMES, start=1))
    regional = tuple(
        Agency(f"D{r.code}", _government_name(r), "daerah", r.code) for r in regions.autonomous_governments()
    )
    return central + regional


@cache
def by_id() -> dict[str, Agency]:
    """Agencies keyed by instansi_id."""
    return {a.instansi_id: a for a in all_agencies()}
