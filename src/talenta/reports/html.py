"""HTML building blocks for the reports: escaped text, tables, status badges and an SVG trend chart.

Pages are static and self-contained (inline CSS, inline SVG, no scripts), so they open from disk, from the
portal under a strict Content-Security-Policy, and inside the Airflow UI frame. Every value goes through
:func:`e`; nothing from a source system is ever inserted unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem;color:#1d2329;max-width:80rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:1.8rem;border-bottom:1px solid #ccd}
.en{color:#5a6270;font-size:.85em;font-style:italic}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{border:1px solid #d5d9e0;padding:.3rem .5rem;
text-align:left;vertical-align:top;font-size:.9rem}th{background:#f1f3f6}td.n{text-align:right}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:.8rem;font-weight:600;font-size:.85rem}
.green{background:#d7f5dd;color:#135c25}.amber{background:#fff0c2;color:#7a5400}.red{background:#fbd5d5;color:#8a1111}
.grey{background:#e4e6ea;color:#444}.meta{color:#5a6270;font-size:.9rem}code{font-size:.85rem;word-break:break-all}
nav a{margin-right:1rem}
"""

STATUS_LABELS = {
    "green": ("Baik", "Good"),
    "amber": ("Perlu perhatian", "Needs attention"),
    "red": ("Bermasalah", "Failing"),
    "grey": ("Tidak ada data", "No data"),
}


def e(value: object) -> str:
    """Escaped text of any value (``None`` shows as an em dash)."""
    return "—" if value is None else html.escape(str(value), quote=True)


def bi(indonesian: str, english: str) -> str:
    """Indonesian text with its English line (both escaped)."""
    return f'{e(indonesian)} <span class="en">/ {e(english)}</span>'


def href(path: str) -> str:
    """A relative link target, URL-quoted segment by segment and escaped for an attribute."""
    return e("/".join(quote(part) for part in path.split("/")))


def link(path: str, text: str) -> str:
    """An anchor to a relative path."""
    return f'<a href="{href(path)}">{e(text)}</a>'


def badge(color: str, detail: str | None = None) -> str:
    """A status badge (green/amber/red/grey) with the Indonesian and English label."""
    ind, eng = STATUS_LABELS.get(color, STATUS_LABELS["grey"])
    extra = f" ({e(detail)})" if detail else ""
    return f'<span class="badge {e(color)}">{e(ind)} / {e(eng)}{extra}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, numeric: Sequence[int] = ()) -> str:
    """A table; ``headers`` are trusted HTML fragments (built with :func:`bi`), cells are HTML already."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for row in rows:
        cells = "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(headers)}">{bi("Tidak ada.", "None.")}</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def trend_svg(points: Sequence[tuple[str, float]], *, label: str, width: int = 560, height: int = 150) -> str:
    """A small line chart of a share (0..1) over logical dates, as inline SVG with a text fallback."""
    if not points:
        return f"<p>{bi('Belum ada riwayat.', 'No history yet.')}</p>"
    pad = 30
    top = max(max(v for _, v in points), 0.01)
    n = len(points)
    xs = [pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]
    ys = [height - pad - (height - 2 * pad) * (v / top) for _, v in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#8a1111"><title>{e(d)}: {v:.1%}</title></circle>'
        for x, y, (d, v) in zip(xs, ys, points, strict=True)
    )
    labels = (f'<text x="{pad}" y="{height - 8}" font-size="10">{e(points[0][0])}</text>'
              f'<text x="{width - pad}" y="{height - 8}" font-size="10" text-anchor="end">{e(points[-1][0])}</text>'
              f'<text x="4" y="{pad - 8}" font-size="10">{top:.1%}</text>')
    return (f'<svg role="img" aria-label="{e(label)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fafbfc" stroke="#d5d9e0"/>'
            f'<polyline fill="none" stroke="#8a1111" stroke-width="2" points="{line}"/>{dots}{labels}</svg>')


def page(title: str, subtitle: str, body: str, *, nav: str = "") -> str:
    """A whole HTML document (Indonesian, with English lines)."""
    return (
        '<!doctype html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f"<nav>{nav}</nav><h1>{e(title)}</h1><p class=\"meta\">{subtitle}</p>{body}</body></html>\n"
    )


def pct(part: float, whole: float) -> str:
    """A share as a percentage string (— when the whole is zero)."""
    return "—" if not whole else f"{part / whole:.1%}"


def bars_svg(items: Sequence[tuple[str, float]], *, label: str, width: int = 640, bar: int = 18) -> str:
    """A horizontal bar chart (label, value) as inline SVG; every label escaped, values shown as numbers."""
    if not items:
        return f"<p>{bi('Tidak ada data.', 'No data.')}</p>"
    text_w, pad = 260, 6
    top = max(max(v for _, v in items), 1e-9)
    height = len(items) * (bar + pad) + pad
    rows = []
    for i, (name, value) in enumerate(items):
        y = pad + i * (bar + pad)
        w = (width - text_w - 60) * (value / top)
        rows.append(
            f'<text x="4" y="{y + bar - 5}" font-size="11">{e(name)}</text>'
            f'<rect x="{text_w}" y="{y}" width="{w:.1f}" height="{bar}" fill="#2b6cb0"><title>{e(name)}: '
            f'{e(f"{value:,.0f}")}</title></rect>'
            f'<text x="{text_w + w + 4:.1f}" y="{y + bar - 5}" font-size="11">{e(f"{value:,.0f}")}</text>'
        )
    return (f'<svg role="img" aria-label="{e(label)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')
