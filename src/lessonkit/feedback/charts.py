"""Bar charts drawn as inline SVG on the server (no JavaScript, no remote assets).

Every label is escaped; the chart has a title and a description for screen
readers, and the counts are also printed next to each bar.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 300
BAR_WIDTH = 320
COUNT_WIDTH = 60


def _shorten(label: str, limit: int = 38) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(title: str, counts: list[tuple[str, int]]) -> Markup:
    """A horizontal bar chart of (label, count) pairs."""
    total = sum(c for _, c in counts)
    biggest = max((c for _, c in counts), default=0) or 1
    height = len(counts) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    description = "; ".join(f"{label}: {count}" for label, count in counts)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>",
    ]
    for i, (label, count) in enumerate(counts):
        y = GAP + i * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * count / biggest)
        share = f" ({100 * count / total:.0f}%)" if total else ""
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'text-anchor="end">{escape(_shorten(label))}</text>'
        )
        parts.append(f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" '
                     f'height="{BAR_HEIGHT}" rx="3"></rect>')
        parts.append(f'<text class="chart-count" x="{LABEL_WIDTH + length + 6}" '
                     f'y="{y + BAR_HEIGHT * 0.7:.1f}">{count}{escape(share)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
