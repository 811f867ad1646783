"""Reference link definitions (``[label]: url "title"``), e.g. from links.md."""

from __future__ import annotations

from lessonkit.markdown.parser import make_parser


def collect_references(text: str) -> dict[str, dict[str, str]]:
    """Definitions in ``text``, keyed by markdown-it's normalised label."""
    env: dict = {}
    make_parser().parse(text, env)
    return dict(env.get("references", {}))
