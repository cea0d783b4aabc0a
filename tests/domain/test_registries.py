from collections import Counter

from talenta.domain import agencies, regions, schemas
from talenta.sources import dialects, registry


def test_552_official_regions():
    rows = regions.all_regions()
    kinds = Counter(r.kind for r in rows)
    assert len(rows) == 552 and kinds == {"provinsi": 38, "kabupaten": 416, "kota": 98}
    assert len({r.code for r in rows}) == 552
    assert regions.by_code()["6110"].name == "Kabupaten Melawi"
    assert regions.by_code()["6110"].dotted == "61.10"


def test_546_autonomous_governments():
    govs = regions.autonomous_governments()
    assert len(govs) == 546
    assert "3171" not in {r.code for r in govs} and "3101" not in {r.code for r in govs}
    assert "31" in {r.code for r in govs}


def test_region_code_normalisation():
    assert regions.normalize_code("61.10") == "6110"
    assert regions.normalize_code("6199") is None


def test_agencies_644():
    all_ = agencies.all_agencies()
    assert len(all_) == 644
    assert Counter(a.level for a in all_) == {"pusat": 98, "daerah": 546}
    assert len({a.instansi_id for a in all_}) == 644


def test_source_registry_is_valid_and_in_sync_with_generator():
    sources = registry.load_registry()
    assert len(sources) == 644
    assert len({s.source_id for s in sources}) == 644
    assert [s.source_id for s in sources] == [s.source_id for s in registry.build_registry()]
    kinds = Counter(s.kind for s in sources)
    assert set(kinds) == set(registry.KINDS) and min(kinds.values()) > 100
    used = Counter(s.dialect for s in sources)
    assert set(used) == dialects.dialect_names() and min(used.values()) >= 40
    for src in sources:
        assert dialects.get_dialect(src.dialect).kind == src.kind


def test_every_dialect_maps_every_entity_and_the_employee_key():
    for dialect in dialects.load_dialects().values():
        assert set(dialect.entities) == set(schemas.ENTITIES), dialect.name
        for entity, mapping in dialect.entities.items():
            for key in schemas.KEYS[entity]:
                assert key in mapping.columns, (dialect.name, entity, key)


def test_schemas_have_the_issue_columns():
    required = {"nip", "nik", "name", "gender", "birth_date", "employment_type", "golongan", "tmt_golongan",
                "jabatan_name", "jabatan_type", "jabatan_level", "tmt_jabatan", "education_level", "unit_name",
                "instansi_id", "region_code", "status", "tmt_cpns"}
    assert required <= set(schemas.EMPLOYEE.names)
    assert "source_id" in schemas.silver_schema("employee").names
    assert {"nip", "year", "hasil_kerja", "perilaku_kerja", "predikat"} <= set(schemas.PERFORMANCE.names)
