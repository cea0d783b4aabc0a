"""Airflow 3 plugin: the Talenta data-quality reports inside the Airflow UI.

Registers the reports portal (a FastAPI app mounted by the api-server at ``/talenta-reports``) and an
external view in the Browse menu that opens it. Plugin FastAPI apps are not authenticated by Airflow, so
the app checks the user's Airflow JWT itself and maps the user to a region scope
(``TALENTA_REPORTS_USERS``); see ``talenta.reports.access``. The portal module imports only FastAPI, so
loading this plugin stays cheap.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from talenta.reports.portal import create_airflow_app

URL_PREFIX = "/talenta-reports"


class TalentaReportsPlugin(AirflowPlugin):
    """The reports portal app and its menu entry."""

    name = "talenta_reports"
    fastapi_apps = [
        {"app": create_airflow_app(), "url_prefix": URL_PREFIX, "name": "Talenta data-quality reports"},
    ]
    external_views = [
        {
            "name": "Data quality reports",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "talenta-reports",
        },
    ]
