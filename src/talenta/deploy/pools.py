"""Airflow pools that protect the sources: one per source kind, sized for what the sources can bear.

``regional_sync`` puts each shard's task in the pool of its kind; warehouse writers share ``talenta_warehouse``. REST APIs of regional SIMPEGs are
fragile and rate-limited, SQL sources share database servers, file drops are local I/O. Sizes can be
overridden in ``config/pools.yaml`` (``{pools: {name: slots}}``) without a code change.
"""

from __future__ import annotations

from talenta import settings

POOLS: dict[str, tuple[int, str]] = {
    "talenta_rest": (4, "regional REST APIs of SIMPEG systems: rate-limited, flaky"),
    "talenta_sql": (4, "regional SQL databases of SIMPEG systems"),
    "talenta_files": (4, "file drops (CSV/XLSX exports): local I/O"),
    # One slot: DuckDB allows one writing process, so warehouse writers (merge, scoring) take turns.
    "talenta_warehouse": (1, "writers of the SQL warehouse (single writer)"),
}


def pool_sizes() -> dict[str, int]:
    """Pool name -> slots, with ``config/pools.yaml`` overrides applied."""
    sizes = {name: slots for name, (slots, _) in POOLS.items()}
    path = settings.config_dir() / "pools.yaml"
    if path.exists():
        import yaml

        overrides = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("pools", {})
        for name, slots in overrides.items():
            if not isinstance(slots, int) or slots < 1:
                raise ValueError(f"{path}: pool {name!r} must have a positive integer of slots, got {slots!r}")
            sizes[name] = slots
    return sizes


def ensure_pools(client=None, env: dict[str, str] | None = None) -> dict[str, int]:
    """Create or resize the pools, through the REST API (``client``) or the ``airflow pools`` CLI.

    Returns the sizes set. Idempotent: run it at every deployment.
    """
    sizes = pool_sizes()
    for name, slots in sizes.items():
        description = POOLS.get(name, (0, "Talenta pool"))[1]
        if client is not None:
            client.set_pool(name, slots, description)
        else:
            from talenta import runtime

            done = runtime.airflow_cli("pools", "set", name, str(slots), description, env=env, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"`airflow pools set {name}` failed: {done.stderr[-1000:]}")
    return sizes
