import pytest

from talenta.domain import codes, education, golongan, jabatan, predikat


@pytest.mark.parametrize(
    ("raw", "etype", "expected"),
    [
        ("III/c", None, "III/c"), ("IIIc", None, "III/c"), ("III/C", None, "III/c"), ("III-c", None, "III/c"),
        ("Penata, III/c", None, "III/c"), ("Pembina Utama Muda, IV/c", "PNS", "IV/c"), ("33", "PNS", "III/c"),
        ("11", None, "I/a"), ("IX", "PPPK", "IX"), ("Golongan IX", "PPPK", "IX"), ("PPPK Golongan XVII", None, "XVII"),
        ("III", "PNS", None), ("IIIc", "PPPK", None), ("V/a", None, None), ("XVIII", "PPPK", None), ("", None, None),
        (None, None, None), ("nan", None, None),
    ],
)
def test_golongan_spellings(raw, etype, expected):
    assert golongan.normalize(raw, etype) == expected


def test_golongan_lists_and_validity():
    assert len(golongan.PNS_CODES) == 17 and len(golongan.PPPK_CODES) == 17
    assert golongan.is_valid_for("III/c", "PNS") and not golongan.is_valid_for("III/c", "PPPK")
    assert golongan.is_valid_for("IX", "PPPK") and not golongan.is_valid_for("IX", "PNS")
    assert golongan.rank("I/a") < golongan.rank("IV/e")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("40", "S1"), ("S-1 / Sarjana", "S1"), ("S1", "S1"), ("DIPLOMA IV/STRATA I", "S1"), ("Diploma III / Sarjana Muda", "D3"),
     ("5", "SD"), ("S-3 / Doktor", "S3"), ("SMA", "SLTA"), ("99", None), ("Kursus", None)],
)
def test_education_spellings(raw, expected):
    assert education.normalize(raw) == expected


def test_education_entry_golongan():
    assert education.entry_golongan("S1", "PNS") == "III/a"
    assert education.entry_golongan("S1", "PPPK") == "IX"
    assert len(education.LEVELS) == 16


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ahli Muda", "AHLI_MUDA"), ("MU", "AHLI_MUDA"), ("II-A", "JPT_PRATAMA"), ("II.a", "JPT_PRATAMA"),
     ("IV/a", "PENGAWAS"), ("21", "JPT_PRATAMA"), ("JFU", "PELAKSANA"), ("AHLI_UTAMA", "AHLI_UTAMA"), ("Kepala", None)],
)
def test_jabatan_levels(raw, expected):
    assert jabatan.normalize_level(raw) == expected


def test_jabatan_ranges_and_bup():
    assert jabatan.golongan_in_range("AHLI_MUDA", "III/c")
    assert not jabatan.golongan_in_range("AHLI_MUDA", "II/a")
    assert jabatan.bup("AHLI_UTAMA") == 65 and jabatan.bup("AHLI_MADYA") == 60 and jabatan.bup("PELAKSANA") == 58
    assert jabatan.normalize_type("Jabatan Fungsional Tertentu") == "fungsional"
    assert jabatan.normalize_type("4") == "pelaksana"


def test_predikat_matrix_is_complete_and_official():
    assert len(predikat.MATRIX) == 9
    assert set(predikat.MATRIX.values()) == set(predikat.PREDIKAT)
    assert predikat.predikat_for("SESUAI", "SESUAI") == "Baik"
    assert predikat.predikat_for("DI_ATAS", "DI_ATAS") == "Sangat Baik"
    assert predikat.predikat_for("DI_BAWAH", "DI_BAWAH") == "Sangat Kurang"
    assert predikat.normalize_rating("DIATAS ESPEKTASI") == "DI_ATAS"
    assert predikat.normalize_predikat("Kurang (Misconduct)") == "Kurang"
    assert predikat.normalize_predikat("2") == "Baik"


def test_small_code_lists():
    assert codes.normalize_gender("Perempuan") == "P" and codes.normalize_gender("1") == "L"
    assert codes.normalize_status("PPPK Aktif") == "01" and codes.normalize_status("99") == "99"
    assert codes.normalize_status("5") == "05" and codes.normalize_status("42") is None
    assert codes.is_active("01") and not codes.is_active("99")
    assert codes.normalize_employment_type("P3K") == "PPPK"
    assert codes.normalize_discipline_level("Berat") == "B"
