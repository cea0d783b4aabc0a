"""Fixtures for the sync tests: small real synthetic worlds (files, SQLite, the HTTP server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# One source per dialect: p001 sql_simpeg_mysql, p016 sql_simpeg_legacy, p002 simpeg_xlsx,
# p005 simpeg_legacy_csv, p006 siasn_export, p008 rest_siasn_like, p012 rest_simpeg_v2.
ALL_DIALECTS = ("p001", "p002", "p005", "p006", "p008", "p012", "p016")


def build_world(out: Path, sources: tuple[str, ...], *, seed: int = 7, scale: float = 0.0005) -> dict:
    """A defect-free small world (the defect-specific tests break files themselves)."""
    from talenta.synth import defects
    from talenta.synth.world import BuildOptions, build

    return build(BuildOptions(out=out, scale=scale, seed=seed, sources=sources, rates=defects.DefectRates.none(),
                              faults=False, workers=1))


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory) -> Path:
    """A built world with one source of every dialect (read-only for tests: copy before changing it)."""
    out = tmp_path_factory.mktemp("world")
    build_world(out, ALL_DIALECTS)
    return out


@pytest.fixture
def world(clean_world, tmp_path) -> Path:
    """A private copy of the clean world, free to break."""
    import shutil

    out = tmp_path / "world"
    shutil.copytree(clean_world, out)
    conns = json.loads((out / "connections.json").read_text())
    text = json.dumps(conns).replace(str(clean_world), str(out))
    (out / "connections.json").write_text(text)
    return out


@pytest.fixture
def api(world):
    """The synth HTTP server serving the world's REST sources on a free loopback port."""
    import threading

    from talenta.synth.server import make_server

    server = make_server(world, 0)
    # A short poll interval: shutdown() waits for it, and every REST test stops a server.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def set_faults(world):
    """Switch faults on for one REST source (the server re-reads them on each request)."""

    def switch(source_id: str, **faults) -> None:
        (world / "sources" / source_id / "api" / "faults.json").write_text(json.dumps(faults))

    return switch
