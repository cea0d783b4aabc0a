"""
### regional_sync

Nightly extract of every regional and central personnel system (REST APIs, SQL databases, file drops)
into the lake: bronze (as received, with a manifest), harmonized and validated silver, quarantine and
data-quality results, plus one run record per source (`_state/runs/`).

* **plan_rest / plan_sql / plan_files** split the selected sources into shards of tens, by kind (`rest-01`, `sql-03`, `files-07`).
* **sync_rest / sync_sql / sync_files** run one mapped instance per shard, in the pools `talenta_rest`,
  `talenta_sql` and `talenta_files` so fragile systems are not hammered. Inside a shard each source is
  isolated: one failing source is recorded failed and the others finish.
* **report** summarises every source's run record and emits the asset `talenta_silver`.
* **check** fails the run (after the asset was emitted) if any source failed, naming them.

Re-run one region alone: `airflow dags trigger regional_sync --conf '{"sources": ["d6110"]}'`.
Params `world` (a synthetic world folder: its sources and connections.json), `lake` (another lake root),
`date` (logical date override, YYYY-MM-DD) and `full` (ignore watermarks) serve tests and backfills.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from talenta.dagkit import DEFAULT_ARGS, JAKARTA, START_DATE, Tag, silver_asset

KINDS = {"rest_api": "talenta_rest", "sql_db": "talenta_sql", "file_drop": "talenta_files"}
SHORT = {"rest_api": "rest", "sql_db": "sql", "file_drop": "files"}


def _logical_date(context) -> str:
    override = context["params"].get("date")
    if override:
        return str(override)
    return context["logical_date"].in_timezone(JAKARTA).date().isoformat()


@dag(
    dag_id="regional_sync",
    # A cron string becomes a CronTriggerTimetable in the DAG's timezone (START_DATE is Asia/Jakarta):
    # 01:00 WIB nightly, logical date = trigger time.
    schedule="0 1 * * *",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=[Tag.SYNC, Tag.NIGHTLY],
    doc_md=__doc__,
    params={
        "sources": Param([], type="array", description="source ids to sync; empty = all registered"),
        "world": Param(None, type=["null", "string"], description="synthetic world folder (tests, demo)"),
        "lake": Param(None, type=["null", "string"], description="lake root override"),
        "date": Param(None, type=["null", "string"], description="logical date override YYYY-MM-DD"),
        "full": Param(False, type="boolean", description="ignore watermarks: read everything"),
    },
)
def regional_sync():
    def plan_task(kind: str):
        @task(task_id=f"plan_{SHORT[kind]}")
        def plan(**context) -> list[dict]:
            """Shards of this kind for the selected sources (ids only, no data)."""
            from pathlib import Path

            from talenta.sources.registry import load_registry
            from talenta.sources.shards import plan_shards, select_sources
            from talenta.sources.sync import world_info

            params = context["params"]
            wanted = list(params.get("sources") or [])
            if not wanted and params.get("world"):
                wanted = world_info(Path(params["world"]))["sources"]
            return [s for s in plan_shards(select_sources(load_registry(), wanted)) if s["kind"] == kind]

        return plan

    def sync_task(kind: str):
        @task(task_id=f"sync_{SHORT[kind]}", pool=KINDS[kind], map_index_template="{{ shard_name }}")
        def sync(shard: dict, **context) -> dict:
            """Sync one shard; returns a small summary (counts, failed sources)."""
            from pathlib import Path

            from airflow.sdk import get_current_context

            from talenta.sources.sync import sync_shard

            # The live context (not the kwargs copy) feeds map_index_template.
            get_current_context()["shard_name"] = shard["name"]
            params = context["params"]
            return sync_shard(shard["sources"], _logical_date(context), shard=shard["name"],
                              world=Path(params["world"]) if params.get("world") else None,
                              lake_root=Path(params["lake"]) if params.get("lake") else None,
                              full=bool(params.get("full")))

        return sync

    @task(outlets=[silver_asset()], trigger_rule="all_done")
    def report(plans: list[list[dict]], **context) -> dict:
        """Per-source status from the run records (the shards' own truth, even if a shard task died)."""
        from pathlib import Path

        from talenta.sources.state import SyncState

        day = _logical_date(context)
        lake = context["params"].get("lake")
        state = SyncState(Path(lake) if lake else None)
        # The merge reads the date it must cover from the asset event, not from the wall clock.
        context["outlet_events"][silver_asset()].extra = {"logical_date": day}
        out: dict = {"logical_date": day, "statuses": {}, "failed": {}, "rows": {}}
        for sid in (sid for shards in plans for shard in shards for sid in shard["sources"]):
            rec = state.read_run_record(day, sid)
            if rec is None:
                out["failed"][sid] = "no run record: its shard task did not run or crashed; see its log"
                continue
            out["statuses"][sid] = rec["status"]
            if rec["status"] == "failed":
                out["failed"][sid] = rec["error"]
            ents = rec["entities"].values()
            out["rows"][sid] = {k: sum(e[k] for e in ents)
                                for k in ("rows_extracted", "rows_accepted", "rows_quarantined")}
            print(f"{sid}: {rec['status']} {out['rows'][sid]}" + (f" error: {rec['error']}" if rec["error"] else ""))
        return out

    @task
    def check(summary: dict) -> None:
        """Fail the run when any source failed (the asset was already emitted for the others)."""
        from airflow.sdk.exceptions import AirflowFailException

        if summary["failed"]:
            lines = "\n".join(f"- {sid}: {err}" for sid, err in sorted(summary["failed"].items()))
            raise AirflowFailException(f"{len(summary['failed'])} source(s) failed for "
                                       f"{summary['logical_date']}:\n{lines}")

    plans = [plan_task(kind)() for kind in KINDS]
    synced = [sync_task(kind).expand(shard=planned) for kind, planned in zip(KINDS, plans, strict=True)]
    summary = report(plans)
    synced >> summary
    check(summary)


regional_sync()
