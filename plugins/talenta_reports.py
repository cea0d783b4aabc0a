"""Airflow 3 plugin: the Talenta data-quality reports inside the Airflow UI.

Registers the reports portal (a FastAPI app mounted by the api-server at ``/talenta-reports``: regional
data-quality pages) and the talent report of the nightly scoring (the same portal over the talent folder, at
``/talenta-talent``, BKN scope), with an external view in the Browse menu for each. Plugin FastAPI apps are not authenticated by Airflow, so
the app checks the user's Airflow JWT itself and maps the user to a region scope
(``TALENTA_REPORTS_USERS``); see ``talenta.reports.access``. The portal module imports only FastAPI, so
loading this plugin stays cheap.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from talenta.reports.portal import create_airflow_app
from talenta.settings import reports_dir

URL_PREFIX = "/talenta-reports"
TALENT_URL_PREFIX = "/talenta-talent"


class TalentaReportsPlugin(AirflowPlugin):
    """The reports portal app and its menu entry."""

    name = "talenta_reports"
    fastapi_apps = [
        {"app": create_airflow_app(), "url_prefix": URL_PREFIX, "name": "Talenta data-quality reports"},
        # Same portal, same auth and scoping, over the folder talent_scoring writes (its own index.json).
        {"app": create_airflow_app(reports_dir() / "talent"), "url_prefix": TALENT_URL_PREFIX,
         "name": "Talenta talent report"},
    ]
    external_views = [
        {
            "name": "Data quality reports",
            "href": f"{URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "talenta-reports",
        },
        {
            "name": "Talent report (9-box, pools, mobility)",
            "href": f"{TALENT_URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
            "url_route": "talenta-talent",
        },
    ]
