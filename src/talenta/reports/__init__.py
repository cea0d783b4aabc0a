"""Data-quality reports for regional offices and BKN, their fix files, and the portal that serves them.

* :mod:`talenta.reports.data`: reads ``source_sync``, ``quarantined_record`` and ``dq_check_result`` from the
  warehouse (any object with the ``Warehouse.query_arrow`` contract).
* :mod:`talenta.reports.build`: one HTML page per agency (a regional government or a central agency) and per
  source, a national league table for BKN, and ``index.json`` (every file with the scope allowed to read it).
* :mod:`talenta.reports.fixes`: ``errors.csv`` / ``errors.xlsx`` per source, one row per quarantined row.
* :mod:`talenta.reports.portal`: the FastAPI app serving only the files listed in ``index.json``, to the
  scope that owns them, behind a token (fails closed).

Nothing here imports Airflow; the portal module imports only FastAPI and the standard library.
"""
