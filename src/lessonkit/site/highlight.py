"""Code blocks: Pygments highlighting and the Workbench's labelled output blocks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pygments.lexer import Lexer

# Pygments is imported when a block must be highlighted: a rebuild after a prose edit takes every
# block from the page's remembered highlighting and never loads it.

#: Fence "languages" that are not languages but kinds of block, as in the Workbench.
CODE_LABELS = {
    "output": "Output",
    "error": "Error",
    "warning": "Warning",
    "source": "Code",
    "language-output": "Output",
    "language-error": "Error",
}

ALIASES = {"r": "r", "shell": "bash", "sh": "bash", "console": "console", "py": "python", "language-python": "python",
           "language-bash": "bash", "language-r": "r", "language-sql": "sql", "language-shell": "bash"}

#: Labels for languages whose Pygments lexer has another name (R's lexer is called "S").
NAMES = {"r": "R", "bash": "Bash", "sh": "Shell", "python": "Python", "console": "Console"}

@lru_cache(maxsize=1)
def _formatter():
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@lru_cache(maxsize=128)
def _lexer(language: str) -> Lexer | None:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(ALIASES.get(language, language), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def display_name(language: str) -> str:
    language = ALIASES.get(language, language)
    if language in NAMES:
        return NAMES[language]
    return _remembered("name", language, lambda: _name(language))


def _name(language: str) -> str:
    lexer = _lexer(language)
    return lexer.name if lexer is not None else language.capitalize()


# -- highlighted code kept between builds, per page ---------------------------------------------------
# Making a Pygments lexer compiles its regular expressions, which costs a new ``lessonkit build`` process
# more than rendering the page it edited; most edits change prose, not code. While a page renders
# (``remembered_highlighting``), each block's highlighted HTML is looked up in what the page's previous
# render kept (by a hash of its language and code), and what it uses is kept for the next build.

_MEMO: dict[str, str] | None = None  # the page's previous blocks, while it renders
_USED: dict[str, str] | None = None  # what the page uses this time


def _remembered(kind: str, language: str, make, code: str = "") -> str:
    if _USED is None:
        return make()
    key = hashlib.blake2b(f"{kind}\x1f{language}\x1f{code}".encode("utf-8", "surrogatepass"),
                          digest_size=12).hexdigest()
    found = _MEMO.get(key) if _MEMO is not None else None
    if found is None:
        found = make()
    _USED[key] = found
    return found


@contextmanager
def remembered_highlighting(cache: Path | None, page_source: str) -> Iterator[None]:
    """Highlight the code of ``page_source`` with what its previous render kept in ``cache``."""
    global _MEMO, _USED
    if cache is None:
        yield
        return
    from pygments import __version__ as pygments_version

    from lessonkit.cache import load_data, save_data

    path = cache / "highlight" / f"{hashlib.blake2b(page_source.encode(), digest_size=12).hexdigest()}.msgpack"
    signature = f"pygments {pygments_version}"
    previous = load_data(path, "highlighted-code", signature)
    saved = _MEMO, _USED
    _MEMO = {k: v for k, v in previous.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(previous, dict) else {}
    _USED = {}
    try:
        yield
        used = _USED
    finally:
        before, (_MEMO, _USED) = _MEMO, saved
    if used != before:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_data(path, "highlighted-code", signature, used)


def highlight_block(code: str, language: str, block_id: str | None, *, label: str | None = None) -> str:
    language = (language or "").strip().lower()
    id_attr = f' id="{escape(block_id)}"' if block_id else ""
    if code.endswith("\n"):
        code = code[:-1]
    if language in CODE_LABELS:
        kind = CODE_LABELS[language].lower()
        if kind == "code":
            kind = "source"
        label = label or CODE_LABELS[language]
        return (
            f'<div class="code code-{kind}"{id_attr}><span class="code-label">{escape(label)}</span>'
            f'<pre tabindex="0"><code>{escape(code)}</code></pre></div>\n'
        )
    body = _remembered("code", language, lambda: _highlight(code, language), code) if language else escape(code)
    if not language:
        return f'<div class="code code-plain"{id_attr}><pre tabindex="0"><code>{body}</code></pre></div>\n'
    label = label or display_name(language)
    cls = escape(ALIASES.get(language, language))
    return (
        f'<div class="code code-source language-{cls}"{id_attr}><span class="code-label">{escape(label)}</span>'
        f'<pre class="highlight" tabindex="0"><code class="language-{cls}">{body}</code></pre></div>\n'
    )


def _highlight(code: str, language: str) -> str:
    lexer = _lexer(language)
    if lexer is None:
        return escape(code)
    from pygments import highlight

    return highlight(code, lexer, _formatter()).rstrip("\n")


def _theme_surfaces() -> dict[str, str]:
    """The code blocks' background (``--surface`` in lessonkit.css: the light scheme's value,
    then the dark scheme's), read from the theme so that the two cannot drift apart."""
    from importlib import resources

    css = resources.files("lessonkit.site").joinpath("static/lessonkit.css").read_text(encoding="utf-8")
    light, dark = re.findall(r"--surface:\s*(#[0-9A-Fa-f]{3,6})\b", css)[:2]
    return {"light": light, "dark": dark}


#: The theme's code background in the light and dark colour schemes.
CODE_BACKGROUNDS = _theme_surfaces()
MIN_CONTRAST = 4.6  # WCAG 2.1 AA asks for 4.5:1 for normal text


def _rgb(colour: str) -> list[int]:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return [int(value[i:i + 2], 16) for i in (0, 2, 4)]


def _luminance(colour: str) -> float:
    channels = [c / 255 for c in _rgb(colour)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours written as #rgb or #rrggbb."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, background: str) -> str:
    """``colour``, darkened or lightened just enough to reach AA contrast on ``background``."""
    if contrast(colour, background) >= MIN_CONTRAST:
        return colour
    rgb = _rgb(colour)
    towards = 0 if _luminance(background) > 0.5 else 255
    for step in range(1, 21):
        candidate = "#" + "".join(f"{round(c + (towards - c) * step / 20):02x}" for c in rgb)
        if contrast(candidate, background) >= MIN_CONTRAST:
            return candidate
    return "#000000" if towards == 0 else "#ffffff"


def stylesheet() -> str:
    """Pygments token colours for the light and dark schemes, each adjusted to WCAG AA contrast."""
    from pygments.formatters import HtmlFormatter
    from pygments.util import ClassNotFound

    def token_colours(style: str, background: str) -> str:
        # Token colours only: backgrounds and line heights come from the theme.
        defs = HtmlFormatter(style=style).get_style_defs(".highlight")
        lines = [line for line in defs.splitlines()
                 if line.startswith(".highlight .") and ("background" not in line or " .hll " in line)]
        return "\n".join(re.sub(r"(?<![-\w])color: (#[0-9A-Fa-f]{3,6})\b",
                                lambda m: f"color: {readable(m.group(1), background)}", line) for line in lines)

    light = token_colours("default", CODE_BACKGROUNDS["light"])
    try:
        dark = token_colours("github-dark", CODE_BACKGROUNDS["dark"])
    except ClassNotFound:
        return light
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}"
