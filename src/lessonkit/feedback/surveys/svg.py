"""The report's charts, drawn as inline SVG on the server (no JavaScript, no remote assets, no CSS).

Every chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` that give
every number it shows, and the report prints a data table beside it. Answer
categories differ by pattern (hatching, dots, solid) as well as by colour,
and every segment wide enough carries its count. Only presentation
attributes are used (no ``style``), so the charts work under the service's
Content-Security-Policy, in a static file and in WeasyPrint's PDF.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from lessonkit.feedback.surveys.report import ChoiceSummary, ItemChange, Recommend

WIDTH = 640
LABEL = 70  # left column: "Before" / "After"
BAR = 26
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="13"'
INK = "#1d2330"

# Five agreement levels: colour (brown for disagreement, blue for agreement) and pattern. Counts are
# printed on a white box, readable on every level.
LEVELS = [
    ("#8c510a", "hatch-dense"),
    ("#d8b365", "hatch"),
    ("#e8e8e8", "dots"),
    ("#7fb8d6", "lines"),
    ("#1f5fa8", "solid"),
]


def _patterns(prefix: str) -> str:
    out = ["<defs>"]
    for index, (colour, kind) in enumerate(LEVELS):
        pid = f"{prefix}-l{index + 1}"
        if kind == "solid":
            out.append(f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
                       f'<rect width="8" height="8" fill="{colour}"/></pattern>')
        elif kind == "hatch-dense":
            out.append(f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                       f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{colour}"/>'
                       f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="1.5"/></pattern>')
        elif kind == "hatch":
            out.append(f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse" '
                       f'patternTransform="rotate(-45)"><rect width="8" height="8" fill="{colour}"/>'
                       f'<line x1="0" y1="0" x2="0" y2="8" stroke="{INK}" stroke-width="1"/></pattern>')
        elif kind == "dots":
            out.append(f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
                       f'<rect width="6" height="6" fill="{colour}"/><circle cx="3" cy="3" r="1" fill="{INK}"/>'
                       f'</pattern>')
        else:  # lines
            out.append(f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
                       f'<rect width="6" height="6" fill="{colour}"/>'
                       f'<line x1="0" y1="3" x2="6" y2="3" stroke="{INK}" stroke-width="0.8"/></pattern>')
    out.append("</defs>")
    return "".join(out)


def _open(width: int, height: int, title: str, desc: str, chart_id: str) -> list[str]:
    return [f'<svg class="lk-chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg" {FONT}>',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']


def _count_text(count: int, n: int, percents: bool) -> str:
    return f"{count} ({100 * count / n:.0f}%)" if percents and n else str(count)


def diverging(item: ItemChange, chart_id: str) -> Markup:
    """Paired answers before and after as two diverging stacked bars centred on "neither" (level 3)."""
    n = item.n
    labels = item.labels
    desc = (f"Paired answers, n = {n}. "
            + " ".join(f"{when}: " + ", ".join(f"{labels[i]} {counts[i]}" for i in range(5)) + "."
                       for when, counts in (("Before", item.before), ("After", item.after)))
            + f" Higher after: {item.higher}, same: {item.same}, lower: {item.lower}.")
    legend_rows = 2
    height = 30 + 2 * (BAR + 12) + 18 + legend_rows * 20
    parts = _open(WIDTH, height, f"{item.text} — before and after (n = {n})", desc, chart_id)
    parts.append(_patterns(chart_id))
    half = (WIDTH - LABEL - 20) / 2
    centre = LABEL + 10 + half
    parts.append(f'<text x="{centre:.1f}" y="14" text-anchor="middle" fill="{INK}">disagree ◀ | ▶ agree'
                 f'  (n = {n})</text>')
    for row, (when, counts) in enumerate((("Before", item.before), ("After", item.after))):
        y = 24 + row * (BAR + 12)
        parts.append(f'<text x="{LABEL - 6}" y="{y + BAR * 0.68:.1f}" text-anchor="end" fill="{INK}" '
                     f'font-weight="600">{when}</text>')
        scale = half / n if n else 0
        left = centre - (counts[0] + counts[1] + counts[2] / 2) * scale
        x = left
        for level in range(5):
            w = counts[level] * scale
            if w <= 0:
                continue
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" fill="url(#{chart_id}-l{level + 1})" '
                         f'stroke="{INK}" stroke-width="0.6"><title>{escape(when)}: {escape(labels[level])}: '
                         f'{counts[level]} of {n}</title></rect>')
            text = _count_text(counts[level], n, item.percents)
            if w >= 8 * len(text) + 6:
                parts.append(f'<rect x="{x + w / 2 - 4 * len(text) - 3:.1f}" y="{y + 5}" width="{8 * len(text) + 6}" '
                             f'height="{BAR - 10}" fill="#ffffff" opacity="0.85"/>')
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + BAR * 0.68:.1f}" text-anchor="middle" '
                             f'fill="{INK}">{text}</text>')
            x += w
    axis_top, axis_bottom = 20, 24 + 2 * (BAR + 12) - 8
    parts.append(f'<line x1="{centre:.1f}" y1="{axis_top}" x2="{centre:.1f}" y2="{axis_bottom}" stroke="{INK}" '
                 f'stroke-width="1.5"/>')
    legend_y = axis_bottom + 20
    for level in range(5):
        col, line = level % 3, level // 3
        lx = 10 + col * 200
        ly = legend_y + line * 20
        parts.append(f'<rect x="{lx}" y="{ly - 11}" width="16" height="14" fill="url(#{chart_id}-l{level + 1})" '
                     f'stroke="{INK}" stroke-width="0.6"/>')
        parts.append(f'<text x="{lx + 22}" y="{ly}" fill="{INK}">{escape(labels[level])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(title: str, labels: list[str], counts: list[int], chart_id: str, percents: bool,
            note: str = "") -> Markup:
    """Vertical bars (e.g. the 0–10 recommend answers), each with its count above it."""
    n = sum(counts)
    width, height, bottom = WIDTH, 190, 150
    slot = (width - 40) / len(counts)
    biggest = max(counts, default=0) or 1
    desc = f"n = {n}. " + ", ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    if note:
        desc += f". {note}"
    parts = _open(width, height, f"{title} (n = {n})", desc, chart_id)
    parts.append(_patterns(chart_id))
    parts.append(f'<line x1="20" y1="{bottom}" x2="{width - 20}" y2="{bottom}" stroke="{INK}"/>')
    for i, (label, count) in enumerate(zip(labels, counts, strict=True)):
        x = 20 + i * slot + slot * 0.15
        h = round(110 * count / biggest)
        parts.append(f'<rect x="{x:.1f}" y="{bottom - h}" width="{slot * 0.7:.1f}" height="{h}" '
                     f'fill="url(#{chart_id}-l5)" stroke="{INK}" stroke-width="0.6"/>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{bottom - h - 5}" text-anchor="middle" '
                     f'fill="{INK}">{_count_text(count, n, percents)}</text>')
        parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{bottom + 18}" text-anchor="middle" '
                     f'fill="{INK}">{escape(label)}</text>')
    parts.append(f'<text x="20" y="{height - 4}" fill="{INK}">n = {n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def recommend_chart(recommend: Recommend, chart_id: str) -> Markup:
    return columns(recommend.text or "How likely to recommend (0–10)", [str(i) for i in range(11)],
                   recommend.counts, chart_id, percents=False)


def bars(summary: ChoiceSummary, chart_id: str, percents: bool) -> Markup:
    """Horizontal bars for a choice question, counts at the end of each bar."""
    label_width, bar_width = 260, WIDTH - 260 - 90
    row = 24
    height = len(summary.options) * row + 24
    biggest = max(summary.counts, default=0) or 1
    desc = f"n = {summary.n}. " + ", ".join(f"{o}: {c}" for o, c in zip(summary.options, summary.counts, strict=True))
    parts = _open(WIDTH, height, f"{summary.text} (n = {summary.n})", desc, chart_id)
    parts.append(_patterns(chart_id))
    for i, (option, count) in enumerate(zip(summary.options, summary.counts, strict=True)):
        y = 4 + i * row
        short = option if len(option) <= 36 else option[:35] + "…"
        w = round(bar_width * count / biggest)
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">{escape(short)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{w}" height="{row - 6}" fill="url(#{chart_id}-l4)" '
                     f'stroke="{INK}" stroke-width="0.6"/>')
        parts.append(f'<text x="{label_width + w + 6}" y="{y + 15}" fill="{INK}">'
                     f'{_count_text(count, summary.n, percents)}</text>')
    parts.append(f'<text x="{label_width}" y="{height - 4}" fill="{INK}">n = {summary.n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
