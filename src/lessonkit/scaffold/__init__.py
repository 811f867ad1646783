"""``lessonkit new``: a Workbench lesson skeleton that builds and checks cleanly."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

from jinja2 import Environment, StrictUndefined

TEMPLATE = "template"
RENDERED_SUFFIXES = (".md", ".yaml", ".cff", ".gitignore")


class ScaffoldError(Exception):
    pass


def slug_title(name: str) -> str:
    words = re.split(r"[-_\s]+", name.strip())
    return " ".join(w.capitalize() for w in words if w) or "New Lesson"


def create_lesson(target: Path, title: str | None = None, carpentry: str = "incubator",
                  author: str = "The lesson authors", contact: str = "") -> list[Path]:
    """Write a new lesson into ``target`` (which must not exist or be empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty; choose a new folder name")
    context = {
        "title": title or slug_title(target.name),
        "carpentry": carpentry,
        "author": author,
        "contact": contact,
        "today": date.today().isoformat(),
        "year": date.today().year,
    }
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    written: list[Path] = []
    base = resources.files("lessonkit.scaffold").joinpath(TEMPLATE)
    for source, rel in _walk(base, ""):
        destination = target / rel.replace("dot-", ".", 1 if rel.startswith("dot-") else 0)
        destination.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        if rel.endswith(RENDERED_SUFFIXES):
            data = env.from_string(data.decode("utf-8")).render(context).encode("utf-8")
        destination.write_bytes(data)
        written.append(destination)
    return written


def _walk(node, prefix: str):
    for item in sorted(node.iterdir(), key=lambda p: p.name):
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            yield from _walk(item, rel + "/")
        elif item.name != ".keep":
            yield item, rel
