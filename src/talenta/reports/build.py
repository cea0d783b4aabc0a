"""Build the data-quality reports for one logical date.

Output (``talenta.settings.reports_dir()/dq``, replaced as a whole, atomically):

* ``national/index.html``: BKN's league table of every source, failed and held first (scope ``BKN``);
* ``region/<instansi_id>/index.html``: one page per agency (a regional government, e.g. ``D3578``, or a
  central agency ``P001``) listing its sources, their status, counts, failed rules, examples, fix hints and
  trend (scope ``<instansi_id>``);
* ``<source_id>/index.html`` with every rule's pass rate, plus ``errors.csv`` and ``errors.xlsx`` (same scope);
* ``index.json``: every file with its scope and kind. The portal serves only files listed here, and only
  to their scope (or BKN), so the index is also the access list.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from talenta.lake.layout import replace_partition
from talenta.reports import html as h
from talenta.reports.data import ArrowReader, ReportData, as_list, load
from talenta.reports.fixes import _vendor_columns, parse_record, write_fix_files
from talenta.reports.hints import hint_for
from talenta.settings import reports_dir

BKN_SCOPE = "BKN"
STATUS_RANK = {"red": 0, "grey": 1, "amber": 2, "green": 3}
TREND_RUNS = 14


@dataclass
class SourceReport:
    """One source's figures for the logical date."""

    source_id: str
    name: str
    instansi_id: str
    region_code: str
    dialect: str | None
    status: str                 # success | held | failed | missing
    color: str                  # green | amber | red | grey
    reason: str | None
    extracted: int = 0
    accepted: int = 0
    quarantined: int = 0
    expected: int | None = None  # rows extracted by the previous run
    last_success: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: list[tuple[str, float, int]] = field(default_factory=list)  # (date, quarantine share, failed rules)


def default_reports_root() -> Path:
    """Where the data-quality reports live (``<reports_dir>/dq``)."""
    return reports_dir() / "dq"


def _registry() -> dict[str, Any]:
    try:
        from talenta.sources.registry import load_registry

        return {s.source_id: s for s in load_registry()}
    except (OSError, ValueError):
        # Reports must still be built when the registry file is being edited; ids then stand in for names.
        return {}


def _agency_name(instansi_id: str) -> str:
    from talenta.domain.agencies import by_id

    agency = by_id().get(instansi_id)
    return agency.name if agency else instansi_id


def _int(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _status(entity_statuses: list[str]) -> str:
    for worst in ("failed", "held"):
        if worst in entity_statuses:
            return worst
    return "success"


def summarize(data: ReportData, *, include_missing: bool = True) -> list[SourceReport]:
    """Per-source figures from the report data (plus, optionally, registered sources that did not sync)."""
    registry = _registry()
    out: list[SourceReport] = []
    hist = data.sync_history
    for source_id, rows in data.sync.groupby("source_id", sort=True):
        first = rows.iloc[0]
        reg = registry.get(source_id)
        status = _status([str(s) for s in rows["status"]])
        checks = data.checks[data.checks["source_id"] == source_id] if not data.checks.empty else data.checks
        warn_failed = bool(len(checks)) and bool((~checks["passed"].astype(bool)).any())
        rep = SourceReport(
            source_id=str(source_id),
            name=reg.name if reg else str(source_id),
            instansi_id=str(first.get("instansi_id") or (reg.instansi_id if reg else source_id)).upper(),
            region_code=str(first.get("region_code") or (reg.region_code if reg else "")),
            dialect=reg.dialect if reg else (first.get("dialect") if "dialect" in rows else None),
            status=status,
            color="grey",
            reason="; ".join(sorted({str(r) for r in [*rows["reason"], *rows.get("error", [])]
                                     if r is not None and not pd.isna(r) and str(r)})) or None,
            extracted=sum(_int(v) for v in rows["rows_extracted"]),
            accepted=sum(_int(v) for v in rows["rows_accepted"]),
            quarantined=sum(_int(v) for v in rows["rows_quarantined"]),
            entities=rows.sort_values("entity").to_dict("records"),
            checks=checks,
        )
        rep.color = ("red" if status != "success" else
                     "amber" if rep.quarantined or warn_failed else "green")
        mine = hist[hist["source_id"] == source_id]
        per_day = mine.groupby("logical_date").agg(
            extracted=("rows_extracted", "sum"), quarantined=("rows_quarantined", "sum"),
            ok=("status", lambda s: all(str(v) == "success" for v in s)))
        earlier = per_day[per_day.index < data.logical_date]
        rep.expected = int(earlier["extracted"].iloc[-1]) if len(earlier) else None
        ok_days = per_day[per_day["ok"]].index
        rep.last_success = str(max(ok_days)) if len(ok_days) else None
        failed_rules = {}
        if not data.check_history.empty:
            ch = data.check_history[data.check_history["source_id"] == source_id]
            failed_rules = (~ch["passed"].astype(bool)).groupby(ch["logical_date"]).sum().to_dict()
        rep.trend = [(str(d), (r.quarantined / r.extracted) if r.extracted else 0.0, int(failed_rules.get(d, 0)))
                     for d, r in per_day.tail(TREND_RUNS).iterrows()]
        out.append(rep)
    if include_missing:
        seen = {r.source_id for r in out}
        for src in registry.values():
            if src.enabled and src.source_id not in seen:
                out.append(SourceReport(src.source_id, src.name, src.instansi_id.upper(), src.region_code,
                                        src.dialect, "missing", "grey",
                                        "tidak ada sinkronisasi pada tanggal ini / no sync on this date"))
    return out


def _examples(rep: SourceReport, check: dict[str, Any], quarantined: pd.DataFrame) -> str:
    """Example failing rows of one rule: reference, field (vendor name) and value as received."""
    rule, entity = str(check["rule"]), str(check["entity"])
    hint = hint_for(rule, entity)
    vendor = _vendor_columns(rep.dialect, entity)
    items = []
    for ref in as_list(check.get("example_refs"))[:5]:
        shown: list[tuple[str, Any]] = []
        if not quarantined.empty:
            hit = quarantined[(quarantined["entity"] == entity) & (quarantined["source_row_ref"] == ref)]
            if len(hit):
                record = parse_record(hit.iloc[0]["record"])
                for f in hint.fields:
                    column = vendor.get(f, f)
                    shown.append((column, record.get(column, record.get(f))))
                if len(shown) > 3:  # e.g. mandatory fields: the empty ones are the point
                    shown = [c for c in shown if c[1] in (None, "")][:3] or shown[:3]
        text = ", ".join(f"{h.e(c)} = <code>{h.e(v)}</code>" for c, v in shown) or "—"
        items.append(f"<li><code>{h.e(ref)}</code> · {text}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else "—"


def _rule_rows(rep: SourceReport, quarantined: pd.DataFrame, *, failed_only: bool) -> list[list[str]]:
    if rep.checks.empty:
        return []
    checks = rep.checks.copy()
    checks["_failed"] = ~checks["passed"].astype(bool)
    checks = checks.sort_values(["_failed", "severity", "rows_failed"], ascending=[False, True, False])
    rows = []
    for check in checks.to_dict("records"):
        if failed_only and not check["_failed"]:
            continue
        checked, failed = _int(check["rows_checked"]), _int(check["rows_failed"])
        hint = hint_for(str(check["rule"]), str(check["entity"]))
        rows.append([
            h.e(check["entity"]), f"<code>{h.e(check['rule'])}</code>",
            h.badge("red" if check["severity"] == "critical" else "amber", str(check["severity"]))
            if check["_failed"] else h.badge("green"),
            h.e(failed), h.e(checked), h.e(h.pct(checked - failed, checked)),
            _examples(rep, check, quarantined) if check["_failed"] else "—",
            h.e(hint.fix) if check["_failed"] else "—",
        ])
    return rows


RULE_HEADERS = [h.bi("Entitas", "Entity"), h.bi("Aturan", "Rule"), h.bi("Tingkat", "Severity"),
                h.bi("Baris gagal", "Rows failed"), h.bi("Baris diperiksa", "Rows checked"),
                h.bi("Tingkat lolos", "Pass rate"), h.bi("Contoh baris", "Example rows"),
                h.bi("Cara memperbaiki di sumber", "How to fix at the source")]


def _source_section(rep: SourceReport, quarantined: pd.DataFrame, *, failed_only: bool, link_base: str) -> str:
    entity_rows = [[h.e(x.get("entity")), h.e(x.get("status")), h.e(_int(x.get("rows_extracted"))),
                    h.e(_int(x.get("rows_accepted"))), h.e(_int(x.get("rows_quarantined"))),
                    h.e(x.get("reason") if x.get("reason") is not None and not pd.isna(x.get("reason")) else None)]
                   for x in rep.entities]
    trend_rows = [[h.e(d), h.e(f"{share:.1%}"), h.e(n)] for d, share, n in rep.trend]
    files = (f"{h.link(link_base + 'errors.csv', 'errors.csv')} · {h.link(link_base + 'errors.xlsx', 'errors.xlsx')}"
             if rep.quarantined else h.bi("tidak ada baris karantina", "no quarantined rows"))
    return (
        f"<h2>{h.e(rep.name)} <code>{h.e(rep.source_id)}</code> {h.badge(rep.color, rep.status)}</h2>"
        f"<p>{h.bi('Alasan', 'Reason')}: {h.e(rep.reason)}<br>"
        f"{h.bi('Sinkronisasi sukses terakhir', 'Last successful sync')}: {h.e(rep.last_success)}<br>"
        f"{h.bi('Baris diterima dari sumber', 'Rows received')}: {h.e(rep.extracted)} · "
        f"{h.bi('diharapkan (run sebelumnya)', 'expected (previous run)')}: {h.e(rep.expected)} · "
        f"{h.bi('diterima', 'accepted')}: {h.e(rep.accepted)} · "
        f"{h.bi('dikarantina', 'quarantined')}: {h.e(rep.quarantined)} ({h.e(h.pct(rep.quarantined, rep.extracted))})"
        f"<br>{h.bi('Berkas perbaikan', 'Fix file')}: {files}</p>"
        + h.table([h.bi("Entitas", "Entity"), "Status", h.bi("Diterima dari sumber", "Extracted"),
                   h.bi("Diterima", "Accepted"), h.bi("Dikarantina", "Quarantined"), h.bi("Alasan", "Reason")],
                  entity_rows, numeric=(2, 3, 4))
        + f"<h3>{h.bi('Aturan yang gagal' if failed_only else 'Semua aturan', 'Failed rules' if failed_only else 'All rules')}</h3>"
        + h.table(RULE_HEADERS, _rule_rows(rep, quarantined, failed_only=failed_only), numeric=(3, 4, 5))
        + f"<h3>{h.bi('Tren', 'Trend')}</h3>"
        + h.trend_svg([(d, s) for d, s, _ in rep.trend], label=f"quarantine share {rep.source_id}")
        + h.table([h.bi("Tanggal", "Date"), h.bi("Porsi karantina", "Quarantined share"),
                   h.bi("Aturan gagal", "Failed rules")], trend_rows, numeric=(1, 2))
    )


def _subtitle(logical_date: str) -> str:
    return h.bi(f"Laporan kualitas data, tanggal logis {logical_date}",
                f"Data-quality report, logical date {logical_date}")


def build_reports(
    logical_date: str,
    *,
    warehouse: ArrowReader | None = None,
    out_dir: Path | None = None,
    include_missing: bool = True,
) -> Path:
    """Build every page and fix file for ``logical_date``; returns the path of ``index.json``."""
    target = out_dir or default_reports_root()
    if warehouse is None:
        from talenta.warehouse.db import Warehouse

        with Warehouse() as wh:
            data = load(wh, logical_date)
    else:
        data = load(warehouse, logical_date)
    reports = summarize(data, include_missing=include_missing)
    # Readers see the old report set or the new one, never half of either (the lake's atomic folder replace).
    replace_partition(target, lambda tmp: _write_all(tmp, data, reports))
    return target / "index.json"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _write_all(root: Path, data: ReportData, reports: list[SourceReport]) -> dict[str, Any]:
    files: dict[str, dict[str, Any]] = {}
    q = data.quarantined
    by_agency: dict[str, list[SourceReport]] = {}
    for rep in reports:
        by_agency.setdefault(rep.instansi_id, []).append(rep)
        if rep.status == "missing":
            continue
        mine = q[q["source_id"] == rep.source_id] if not q.empty else q
        paths = write_fix_files(root / rep.source_id, mine.sort_values("source_row_ref") if len(mine) else mine,
                                dialect=rep.dialect)
        for kind, path in paths.items():
            files[f"{rep.source_id}/{path.name}"] = {"scope": rep.instansi_id, "kind": f"fix_{kind}",
                                                    "source_id": rep.source_id, "rows": len(mine)}
        nav = h.link(f"../region/{rep.instansi_id}/index.html", _agency_name(rep.instansi_id))
        _write(root, f"{rep.source_id}/index.html", h.page(
            f"{rep.name} ({rep.source_id})", _subtitle(data.logical_date),
            _source_section(rep, mine, failed_only=False, link_base=""), nav=nav))
        files[f"{rep.source_id}/index.html"] = {"scope": rep.instansi_id, "kind": "source", "source_id": rep.source_id}

    for instansi_id, reps in sorted(by_agency.items()):
        reps = [r for r in reps if r.status != "missing"] or reps
        body = []
        for rep in reps:
            if rep.status == "missing":
                body.append(f"<h2>{h.e(rep.name)} {h.badge('grey')}</h2><p>{h.e(rep.reason)}</p>")
                continue
            mine = q[q["source_id"] == rep.source_id] if not q.empty else q
            body.append(_source_section(rep, mine, failed_only=True, link_base=f"../../{rep.source_id}/")
                        + f"<p>{h.link(f'../../{rep.source_id}/index.html', 'Semua aturan / all rules')}</p>")
        _write(root, f"region/{instansi_id}/index.html", h.page(
            _agency_name(instansi_id), _subtitle(data.logical_date), "".join(body)))
        files[f"region/{instansi_id}/index.html"] = {"scope": instansi_id, "kind": "region",
                                                      "sources": [r.source_id for r in reps]}

    _write(root, "national/index.html", _national(data.logical_date, reports))
    files["national/index.html"] = {"scope": BKN_SCOPE, "kind": "national"}
    index = {
        "logical_date": data.logical_date,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_ids": sorted({str(r) for r in data.sync["run_id"]}) if len(data.sync) else [],
        "files": dict(sorted(files.items())),
    }
    (root / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True), encoding="utf-8")
    return index


def _national(logical_date: str, reports: list[SourceReport]) -> str:
    """BKN's league table: every source, failed and held first, then by quarantined share."""
    ranked = sorted(reports, key=lambda r: (STATUS_RANK[r.color], -(r.quarantined / r.extracted if r.extracted else 0),
                                            r.source_id))
    counts = pd.Series([r.color for r in reports]).value_counts().to_dict() if reports else {}
    rows = []
    for pos, rep in enumerate(ranked, start=1):
        failed_rules = 0 if rep.checks.empty else int((~rep.checks["passed"].astype(bool)).sum())
        rows.append([
            h.e(pos), h.link(f"../region/{rep.instansi_id}/index.html", rep.name) + f" <code>{h.e(rep.source_id)}</code>",
            h.e(rep.region_code), h.badge(rep.color, rep.status), h.e(rep.extracted), h.e(rep.accepted),
            h.e(rep.quarantined), h.e(h.pct(rep.quarantined, rep.extracted)), h.e(failed_rules),
            h.e(rep.last_success), h.e(rep.reason),
        ])
    summary = " · ".join(f"{h.badge(c)} {h.e(counts.get(c, 0))}" for c in ("red", "grey", "amber", "green"))
    body = (f"<p>{summary}</p>" + h.table(
        ["#", h.bi("Sumber", "Source"), h.bi("Wilayah", "Region"), "Status", h.bi("Diterima dari sumber", "Extracted"),
         h.bi("Diterima", "Accepted"), h.bi("Dikarantina", "Quarantined"), h.bi("Porsi", "Share"),
         h.bi("Aturan gagal", "Failed rules"), h.bi("Sukses terakhir", "Last success"), h.bi("Alasan", "Reason")],
        rows, numeric=(0, 4, 5, 6, 7, 8)))
    return h.page("Kualitas data ASN nasional / National ASN data quality", _subtitle(logical_date), body)


def list_reports(root: Path | None = None) -> dict[str, Any]:
    """The current ``index.json`` (empty dict when no report was built yet)."""
    path = (root or default_reports_root()) / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
