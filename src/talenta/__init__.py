"""Talenta: the national ASN talent-management pipeline and warehouse.

One folder per stage: ``domain`` (codes, identifiers, canonical schemas), ``sources`` (registry,
connectors, dialects), ``lake``, ``validate``, ``warehouse``, ``scoring``, ``reports``, ``synth`` and ``cli``.
Nothing here imports Airflow at module level: the package is testable without it.
"""

__version__ = "0.1.0"
