"""The canonical schemas, defined once (pyarrow) and used by every stage.

Each entity has its business columns (``SCHEMAS``), its natural key (``KEYS``) and the lineage columns
every silver row carries (``LINEAGE``): where it came from and which run brought it.
"""

from __future__ import annotations

import pyarrow as pa

EMPLOYEE = pa.schema([
    pa.field("nip", pa.string(), nullable=False),
    pa.field("nik", pa.string()),
    pa.field("name", pa.string()),
    pa.field("gender", pa.string()),            # 'L' | 'P'
    pa.field("birth_date", pa.date32()),
    pa.field("religion", pa.string()),          # SIASN agama id; never used for scoring
    pa.field("employment_type", pa.string()),   # 'PNS' | 'PPPK'
    pa.field("golongan", pa.string()),          # PNS 'I/a'..'IV/e', PPPK 'I'..'XVII'
    pa.field("tmt_golongan", pa.date32()),
    pa.field("jabatan_name", pa.string()),
    pa.field("jabatan_type", pa.string()),      # struktural | fungsional | pelaksana
    pa.field("jabatan_level", pa.string()),     # talenta.domain.jabatan.CODES
    pa.field("tmt_jabatan", pa.date32()),
    pa.field("education_level", pa.string()),   # talenta.domain.education.CODES
    pa.field("education_major", pa.string()),
    pa.field("unit_name", pa.string()),
    pa.field("instansi_id", pa.string()),       # talenta.domain.agencies
    pa.field("region_code", pa.string()),       # Kemendagri code, digits only
    pa.field("status", pa.string()),            # kedudukan hukum id, '01' = Aktif
    pa.field("tmt_cpns", pa.date32()),
    pa.field("updated_at", pa.timestamp("us")),
])

PERFORMANCE = pa.schema([
    pa.field("nip", pa.string(), nullable=False),
    pa.field("year", pa.int16()),
    pa.field("hasil_kerja", pa.string()),       # DI_ATAS | SESUAI | DI_BAWAH
    pa.field("perilaku_kerja", pa.string()),
    pa.field("predikat", pa.string()),          # talenta.domain.predikat.PREDIKAT
])

ASSESSMENT = pa.schema([
    pa.field("nip", pa.string(), nullable=False),
    pa.field("assessed_on", pa.date32()),
    pa.field("method", pa.string()),            # AC (assessment centre) | CACT
    pa.field("jpm_pct", pa.float64()),          # job-person match, 0-100
    pa.field("potensi_score", pa.float64()),    # 0-100
    pa.field("kompetensi_manajerial", pa.float64()),
    pa.field("kompetensi_sosiokultural", pa.float64()),
    pa.field("kompetensi_teknis", pa.float64()),
])

DISCIPLINE = pa.schema([
    pa.field("nip", pa.string(), nullable=False),
    pa.field("decided_on", pa.date32()),
    pa.field("level", pa.string()),             # R ringan | S sedang | B berat
    pa.field("penalty", pa.string()),
    pa.field("ends_on", pa.date32()),
])

VACANCY = pa.schema([
    pa.field("vacancy_id", pa.string(), nullable=False),
    pa.field("instansi_id", pa.string()),
    pa.field("region_code", pa.string()),
    pa.field("jabatan_name", pa.string()),
    pa.field("jabatan_type", pa.string()),
    pa.field("jabatan_level", pa.string()),
    pa.field("min_golongan", pa.string()),
    pa.field("min_education", pa.string()),
    pa.field("sector", pa.string()),            # pendidikan | kesehatan | pengendalian_inflasi | lainnya
    pa.field("opened_on", pa.date32()),
])

SCHEMAS: dict[str, pa.Schema] = {
    "employee": EMPLOYEE,
    "performance": PERFORMANCE,
    "assessment": ASSESSMENT,
    "discipline": DISCIPLINE,
    "vacancy": VACANCY,
}
ENTITIES: tuple[str, ...] = tuple(SCHEMAS)

KEYS: dict[str, tuple[str, ...]] = {
    "employee": ("nip",),
    "performance": ("nip", "year"),
    "assessment": ("nip", "assessed_on", "method"),
    "discipline": ("nip", "decided_on", "penalty"),
    "vacancy": ("vacancy_id",),
}

# Columns every silver row carries besides its business columns.
LINEAGE = pa.schema([
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("source_row_ref", pa.string(), nullable=False),  # file:row, page:index or table key
    pa.field("run_id", pa.string()),
    pa.field("extra", pa.string()),  # unknown vendor columns, as a JSON object (schema drift)
])

SECTORS = ("pendidikan", "kesehatan", "pengendalian_inflasi", "lainnya")


def silver_schema(entity: str) -> pa.Schema:
    """Business columns of an entity followed by the lineage columns."""
    schema = SCHEMAS[entity]
    for field in LINEAGE:
        schema = schema.append(field)
    return schema


def empty_table(entity: str, *, silver: bool = False) -> pa.Table:
    """An empty table with the entity's (silver) schema."""
    return (silver_schema(entity) if silver else SCHEMAS[entity]).empty_table()


# Validation outputs (issue #5): the quarantine and dq lake zones, and the warning flags on silver rows.
QUARANTINE = pa.schema([
    pa.field("run_id", pa.string()),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("entity", pa.string(), nullable=False),
    pa.field("source_row_ref", pa.string(), nullable=False),
    pa.field("nip", pa.string()),                       # as received, never cleaned
    pa.field("failed_checks", pa.list_(pa.string())),   # every rule the row failed (critical and warning)
    pa.field("reasons", pa.list_(pa.string())),         # one sentence per failure: field, value, what to do
    pa.field("record", pa.string()),                    # JSON of the row as received (raw unparsed values)
])

DQ_CHECK = pa.schema([
    pa.field("run_id", pa.string()),
    pa.field("source_id", pa.string(), nullable=False),
    pa.field("entity", pa.string(), nullable=False),
    pa.field("logical_date", pa.string()),
    pa.field("rule", pa.string(), nullable=False),
    pa.field("severity", pa.string()),                  # 'critical' | 'warning'
    pa.field("rows_checked", pa.int64()),
    pa.field("rows_failed", pa.int64()),
    pa.field("passed", pa.bool_()),
    pa.field("example_refs", pa.list_(pa.string())),    # up to 5 source_row_refs
])


def silver_validated_schema(entity: str) -> pa.Schema:
    """Silver schema plus ``dq_warnings`` (names of the warning rules each accepted row failed)."""
    return silver_schema(entity).append(pa.field("dq_warnings", pa.list_(pa.string())))
