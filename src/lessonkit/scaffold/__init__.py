"""``lessonkit new``: a Workbench lesson skeleton that builds and checks cleanly."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from pathlib import Path

from jinja2 import Environment, StrictUndefined

TEMPLATE = "template"
#: The author CITATION.cff names when ``lessonkit new`` is not told who writes the lesson (a release refuses it).
PLACEHOLDER_AUTHOR = "The lesson authors"
RENDERED_SUFFIXES = (".md", ".yaml", ".cff", ".gitignore")


class ScaffoldError(Exception):
    pass


def slug_title(name: str) -> str:
    words = re.split(r"[-_\s]+", name.strip())
    return " ".join(w.capitalize() for w in words if w) or "New Lesson"


def create_lesson(target: Path, title: str | None = None, carpentry: str = "incubator",
                  author: str = PLACEHOLDER_AUTHOR, contact: str = "") -> list[Path]:
    """Write a new lesson into ``target`` (which must not exist or be empty).

    ``author`` is named in contributors.yaml (as an author, with the roles of who wrote the lesson)
    and in CITATION.cff; without one (the placeholder), contributors.yaml holds a commented example
    entry and CITATION.cff names the placeholder."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty; choose a new folder name")
    author = " ".join((author or "").split())
    if author.casefold() == PLACEHOLDER_AUTHOR.casefold():
        author = ""
    given, _, family = author.rpartition(" ")
    quoted = lambda value: json.dumps(str(value), ensure_ascii=False)  # noqa: E731 - a YAML "string"
    if not author:
        cff_authors = f"  - name: {quoted(PLACEHOLDER_AUTHOR)}"
    elif given:  # a person: CFF's given-names and family-names (the last word, as credit/ splits a name)
        cff_authors = f"  - given-names: {quoted(given)}\n    family-names: {quoted(family)}"
    else:
        cff_authors = f"  - name: {quoted(author)}"
    title = " ".join((title or "").split()) or slug_title(target.name)
    context = {
        "title": title,
        "slug": "-".join(re.findall(r"[a-z0-9]+", title.lower())) or "lesson",  # for the example repository
        "carpentry": carpentry,
        "author": author,
        "cff_authors": cff_authors,
        "contact": contact,
        "today": date.today().isoformat(),
        "year": date.today().year,
    }
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
    env.filters["quoted"] = quoted
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
