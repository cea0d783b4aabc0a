"""PostgreSQL access control for the published warehouse: read-only analysts, regions see only their rows.

``sql/security/postgres_roles.sql`` is the one definition; :func:`apply_security` fills in the schema and
role names and runs it. The merge calls it inside the publish transaction on every PostgreSQL publish
(publish recreates the tables, which drops their grants and policies). DuckDB has no roles: an embedded
DuckDB file is protected by file permissions only.

Role names come from ``TALENTA_ANALYST_ROLE`` / ``TALENTA_REGION_ROLE`` (defaults ``talenta_analyst``,
``talenta_region``). A regional office logs in with its own role, made a member of the region role and
mapped to its region code(s) with :func:`grant_region`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from talenta.warehouse.db import Warehouse, WarehouseError, check_identifier


@dataclass(frozen=True)
class Roles:
    """The two group roles the security SQL grants to."""

    analyst: str = "talenta_analyst"
    region: str = "talenta_region"

    @classmethod
    def from_env(cls) -> Roles:
        """Roles named by ``TALENTA_ANALYST_ROLE`` and ``TALENTA_REGION_ROLE`` (or the defaults)."""
        return cls(os.environ.get("TALENTA_ANALYST_ROLE", cls.analyst),
                   os.environ.get("TALENTA_REGION_ROLE", cls.region))


def _role(name: str) -> str:
    if "." in check_identifier(name):
        raise WarehouseError(f"role name {name!r} must not contain a dot; use letters, digits and underscores")
    return name


def security_sql(schema: str, roles: Roles) -> str:
    """The security SQL for ``schema`` and ``roles`` (identifiers validated before substitution)."""
    from talenta.warehouse.merge import sql_dir

    path = sql_dir() / "security" / "postgres_roles.sql"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; restore sql/security or set TALENTA_SQL_DIR")
    text = path.read_text(encoding="utf-8")
    return (text.replace("{schema}", _role(schema))
                .replace("{analyst_role}", _role(roles.analyst))
                .replace("{region_role}", _role(roles.region)))


def apply_security(wh: Warehouse, schema: str, roles: Roles | None = None) -> None:
    """Create the roles if needed and (re)apply grants and row-level security on ``schema`` (PostgreSQL)."""
    if not wh.is_postgres:
        return
    wh.execute(security_sql(schema, roles or Roles.from_env()))


def grant_region(wh: Warehouse, schema: str, login: str, region_codes: list[str],
                 roles: Roles | None = None) -> None:
    """Let role ``login`` read the regional tables of ``schema`` for ``region_codes`` only.

    ``login`` must exist (create it with a password outside the code: no secrets here); it is made a member
    of the region group role, and its previous region mapping in ``schema`` is replaced.
    """
    if not wh.is_postgres:
        raise WarehouseError("region roles exist only on PostgreSQL; DuckDB files have no row-level security")
    roles = roles or Roles.from_env()
    s, who = _role(schema), _role(login)
    if not wh.table_exists(f"{s}.region_access"):
        raise WarehouseError(
            f"{s}.region_access does not exist: publish the warehouse into {s!r} on PostgreSQL first"
        )
    with wh.transaction():
        wh.execute(f"grant {_role(roles.region)} to {who}")
        wh.execute(f"delete from {s}.region_access where role_name = ?", [who])
        for code in region_codes:
            wh.execute(f"insert into {s}.region_access (role_name, region_code) values (?, ?)", [who, code])
