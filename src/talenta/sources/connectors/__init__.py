"""Connectors: read one source system (REST API, SQL database, file drop) into vendor-shaped Arrow tables."""

from talenta.sources.connectors.base import Extract

__all__ = ["Extract"]
