"""Shard plan: the registry's sources grouped by kind into shards of tens, with stable names (``rest-03``).

Airflow maps one task instance per shard (not per source: hundreds of mapped instances run at poor
parallelism), each looping over its sources with per-source isolation. A shard's kind picks its pool.
"""

from __future__ import annotations

from collections.abc import Iterable

from talenta.sources.registry import KINDS, Source

SHARD_SIZE = 25
PREFIX = {"rest_api": "rest", "sql_db": "sql", "file_drop": "files"}
POOLS = {"rest_api": "talenta_rest", "sql_db": "talenta_sql", "file_drop": "talenta_files"}


def plan_shards(sources: Iterable[Source], *, shard_size: int = SHARD_SIZE) -> list[dict]:
    """Shards ``{name, kind, pool, sources}`` over enabled sources, sorted by kind then source id.

    Names depend only on the sources planned, so the same registry always yields the same shards.
    """
    by_kind: dict[str, list[str]] = {k: [] for k in KINDS}
    for src in sources:
        if src.enabled:
            by_kind[src.kind].append(src.source_id)
    shards = []
    for kind in KINDS:
        ids = sorted(by_kind[kind])
        for n, start in enumerate(range(0, len(ids), shard_size), start=1):
            shards.append({"name": f"{PREFIX[kind]}-{n:02d}", "kind": kind, "pool": POOLS[kind],
                           "sources": ids[start:start + shard_size]})
    return shards


def select_sources(registry: Iterable[Source], wanted: Iterable[str] | None) -> list[Source]:
    """The registry entries for ``wanted`` ids (all enabled ones when empty); unknown ids raise KeyError."""
    registry = list(registry)
    wanted = [w.strip().lower() for w in (wanted or []) if w and w.strip()]
    if not wanted:
        return [s for s in registry if s.enabled]
    known = {s.source_id: s for s in registry}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise KeyError(f"sources {unknown} are not in the registry (config/sources.yaml); "
                       "see `talenta registry list`")
    return [known[w] for w in dict.fromkeys(wanted)]
