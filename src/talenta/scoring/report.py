"""The talent report of a scoring run: static, escaped HTML for BKN (issue #7).

One self-contained page (inline CSS and SVG, no scripts) built from the run's output tables: outcomes
and pools, the 9-box per province and per agency, mobility flows between provinces (a bar chart and a
table), the fairness audit and agency readiness. Written to ``reports_dir()/talent/`` as
``<run_id>.html`` plus ``index.html`` (the latest run) and ``index.json`` (files and their scope, the
same shape as the data-quality reports' index, scope ``BKN``). Every value goes through
:func:`talenta.reports.html.e`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from talenta.domain import agencies, regions
from talenta.reports.html import bars_svg, bi, e, page, pct, table
from talenta.settings import reports_dir

BKN_SCOPE = "BKN"
TOP_FLOWS = 25
BOXES = range(1, 10)


def talent_reports_dir() -> Path:
    """Where the talent reports live (``<reports_dir>/talent``)."""
    return reports_dir() / "talent"


def _region_name(code: str) -> str:
    region = regions.by_code().get(code)
    return f"{region.name} ({code})" if region else code


def _agency_name(instansi_id: str) -> str:
    agency = agencies.by_id().get(instansi_id)
    return f"{agency.name} ({instansi_id})" if agency else instansi_id


def _box_matrix(counts: pd.DataFrame, key: str, label) -> str:
    """Rows per ``key`` with people per box 1..9, insufficient data, pool sizes."""
    scored = counts[counts["outcome"] == "scored"]
    grid = scored.pivot_table(index=key, columns="box", values="people", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=list(BOXES), fill_value=0)
    per_key = counts.groupby(key).agg(people=("people", "sum"), pool=("succession_pool", "sum"),
                                      national=("national_pool", "sum"))
    insufficient = counts[counts["outcome"] == "insufficient_data"].groupby(key)["people"].sum()
    rows = []
    for k in per_key.index:
        boxes = [int(grid.loc[k, b]) if k in grid.index else 0 for b in BOXES]
        tot = per_key.loc[k]
        rows.append([e(label(k)), *(f"{n:,}" for n in boxes), f"{int(insufficient.get(k, 0)):,}",
                     f"{int(tot['pool']):,}", f"{int(tot['national']):,}", f"{int(tot['people']):,}"])
    headers = [bi("Wilayah/instansi", "Region/agency"), *(f"Box {b}" for b in BOXES),
               bi("Data tidak cukup", "Insufficient data"), bi("Kelompok suksesi", "Succession pool"),
               bi("Pool nasional", "National pool"), bi("Pegawai", "Employees")]
    return table(headers, rows, numeric=range(1, 14))


def _flows(recommendation: pd.DataFrame) -> pd.DataFrame:
    """Primary proposals counted per (from province, to province)."""
    primary = recommendation[recommendation["is_primary"]]
    flows = pd.DataFrame({
        "from": primary["from_region_code"].fillna("").astype(str).str[:2].replace("", "unknown"),
        "to": primary["to_region_code"].fillna("").astype(str).str[:2].replace("", "unknown"),
    })
    out = flows.groupby(["from", "to"]).size().rename("proposals").reset_index()
    return out.sort_values(["proposals", "from", "to"], ascending=[False, True, True], kind="stable")


def render(result) -> str:
    """The talent report of one scoring run as a whole HTML document."""
    s = result.summary
    t = result.tables
    counts = t["talent_box_counts"].assign(province=lambda d: d["region_code"].astype(str).str[:2])
    outcomes = s.get("outcomes", {})
    total = sum(outcomes.values())
    parts = [
        f"<h2>{bi('Ringkasan', 'Summary')}</h2>",
        table([bi("Ukuran", "Measure"), bi("Nilai", "Value")], [
            [bi("Pegawai", "Employees"), f"{total:,}"],
            *[[e(k), f"{int(v):,} ({pct(v, total)})"] for k, v in sorted(outcomes.items())],
            [bi("Kelompok rencana suksesi (box 7-9)", "Succession pool (boxes 7-9)"), f"{s['succession_pool']:,}"],
            [bi("Pool nasional (box 9)", "National pool (box 9)"), f"{s['national_pool']:,}"],
            [bi("Lowongan", "Vacancies"), f"{s['vacancies']:,}"],
            [bi("Usulan utama (penugasan optimal)", "Primary proposals (optimal assignment)"),
             f"{s['primary_proposals']:,}"],
            [bi("Total fit optimal / greedy", "Total fit optimal / greedy"),
             e(f"{s['optimal_total_fit']:,.1f} / {s['greedy_total_fit']:,.1f}")],
        ], numeric=[1]),
        f"<h2>{bi('Mobilitas antarprovinsi', 'Mobility flows between provinces')}</h2>",
    ]
    flows = _flows(t["mobility_recommendation"])
    top = flows.head(TOP_FLOWS)
    parts.append(bars_svg([(f"{_region_name(r['from'])} → {_region_name(r['to'])}", float(r["proposals"]))
                           for _, r in top.iterrows()], label="primary proposals between provinces"))
    parts.append(table([bi("Dari provinsi", "From province"), bi("Ke provinsi", "To province"),
                        bi("Usulan utama", "Primary proposals")],
                       [[e(_region_name(r["from"])), e(_region_name(r["to"])), f"{int(r['proposals']):,}"]
                        for _, r in flows.iterrows()], numeric=[2]))
    parts += [f"<h2>{bi('9-box per provinsi', '9-box per province')}</h2>",
              _box_matrix(counts, "province", _region_name),
              f"<h2>{bi('9-box per instansi', '9-box per agency')}</h2>",
              _box_matrix(counts, "instansi_id", _agency_name)]
    audit = t["fairness_audit"]
    verdict = ("FLAGGED: an adverse-impact ratio is under the threshold" if s.get("fairness_flagged")
               else "no group flagged")
    parts += [f"<h2>{bi('Audit keadilan', 'Fairness audit')}</h2>", f"<p><strong>{e(verdict)}</strong></p>",
              table(["dimension", "group", "scored", "pool", "pool rate", "AIR", "recommended", "rec. rate", "AIR",
                     "flag"],
                    [[e(r.dimension), e(r.group), f"{r.population:,}", f"{r.pool_count:,}", e(f"{r.pool_rate:.3f}"),
                      e(r.pool_air), f"{r.recommended_count:,}", e(f"{r.recommendation_rate:.3f}"),
                      e(r.recommendation_air), "⚠" if r.pool_flagged or r.recommendation_flagged else ""]
                     for r in audit.itertuples(index=False)], numeric=[2, 3, 4, 5, 6, 7, 8])]
    ready = t["agency_readiness"].sort_values(["share_scored", "instansi_id"], kind="stable")
    parts += [f"<h2>{bi('Kesiapan manajemen talenta per instansi', 'Talent-management readiness per agency')}</h2>",
              table([bi("Instansi", "Agency"), bi("Pegawai", "Employees"), bi("SKP terkini", "Current SKP"),
                     bi("Asesmen", "Assessment"), bi("Dinilai", "Scored"), bi("Data tidak cukup", "Insufficient"),
                     bi("Pool", "Pool"), bi("Hambatan utama", "Main gap")],
                    [[e(_agency_name(r.instansi_id)), f"{r.employees:,}", e(f"{r.share_current_skp:.1%}"),
                      e(f"{r.share_assessment:.1%}"), e(f"{r.share_scored:.1%}"), f"{r.insufficient_data:,}",
                      f"{r.pool_size:,}", e(r.main_gap)] for r in ready.itertuples(index=False)],
                    numeric=[1, 2, 3, 4, 5, 6])]
    subtitle = (f"{e('run')} <code>{e(s['run_id'])}</code> · {e('scored on')} {e(s['scored_on'])} · "
                f"{e('rules')} {e(s['rule_version'])} (<code>{e(s['rule_sha256'][:12])}</code>)")
    return page("Laporan talenta ASN / ASN talent report", subtitle, "".join(parts))


def _safe_name(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", run_id)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_talent_report(result, folder: str | Path | None = None) -> Path:
    """Write the run's talent report (``<run_id>.html``, ``index.html``, ``index.json``); return its path."""
    target = Path(folder) if folder else talent_reports_dir()
    target.mkdir(parents=True, exist_ok=True)
    text = render(result)
    path = target / f"{_safe_name(result.summary['run_id'])}.html"
    _write_atomic(path, text)
    _write_atomic(target / "index.html", text)
    files = {p.name: {"scope": BKN_SCOPE, "kind": "talent"} for p in sorted(target.glob("*.html"))}
    _write_atomic(target / "index.json", json.dumps({"files": files}, indent=2, sort_keys=True))
    return path
