"""The theme: Jinja templates (the package's, overridable per lesson) and the stylesheet.

A lesson (or an institute sharing one folder between its lessons) overrides any
template by name with ``theme: path/to/folder`` in config.yaml: a file
``<folder>/templates/blocks/callout.html`` replaces the package's
``templates/blocks/callout.html``; ``<folder>/theme.css``, when present, is appended to
the stylesheet.  See docs/theming.md.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape


def theme_folder(root: Path, value: object) -> Path | None:
    """The theme folder named by config.yaml's ``theme:`` (relative to the lesson), if it exists."""
    if not isinstance(value, str) or not value.strip():
        return None
    folder = (root / value.strip()).resolve()
    return folder if folder.is_dir() else None


@lru_cache(maxsize=8)
def environment(theme: str = "") -> Environment:
    loaders = []
    if theme and (Path(theme) / "templates").is_dir():
        loaders.append(FileSystemLoader(str(Path(theme) / "templates")))
    loaders.append(PackageLoader("lessonkit.site", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


@lru_cache(maxsize=8)
def theme_signature(theme: str = "") -> str:
    """Changes when a theme folder's templates or stylesheet change."""
    if not theme:
        return ""
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(Path(theme).rglob("*")):
        if path.is_file() and path.suffix in (".html", ".css"):
            digest.update(str(path.relative_to(theme)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_DARK = "@media (prefers-color-scheme: dark)"
_RULE = re.compile(r"^(\s*)([^{}@\n][^{}\n]*?)\s*\{", re.M)


def _prefixed(css: str, prefix: str) -> str:
    def each(m: re.Match) -> str:
        selectors = ", ".join(f"{prefix} {s.strip()}".replace(" :root", "") for s in m.group(2).split(","))
        return f"{m.group(1)}{selectors} {{"
    return _RULE.sub(each, css)


def with_theme_switch(css: str) -> str:
    """Make every ``prefers-color-scheme: dark`` block obey the reader's choice as well.

    The reader's light/dark/auto choice is ``data-theme`` on ``<html>``: in a dark media block
    each rule becomes ``:root:not([data-theme="light"]) …`` (a reader who chose light keeps the
    light colours), and a copy prefixed ``:root[data-theme="dark"]`` applies the dark colours
    whatever the system's setting."""
    out: list[str] = []
    copies: list[str] = []
    position = 0
    while True:
        start = css.find(_DARK, position)
        if start == -1:
            out.append(css[position:])
            break
        open_brace = css.index("{", start)
        depth, index = 1, open_brace + 1
        while depth and index < len(css):
            depth += {"{": 1, "}": -1}.get(css[index], 0)
            index += 1
        inner = css[open_brace + 1:index - 1]
        out.append(css[position:open_brace + 1])
        out.append(_prefixed(inner, ':root:not([data-theme="light"])'))
        out.append("}")
        copies.append(_prefixed(inner, ':root[data-theme="dark"]'))
        position = index
    return "".join(out) + ("\n/* the reader chose dark */\n" + "\n".join(copies) + "\n" if copies else "")
