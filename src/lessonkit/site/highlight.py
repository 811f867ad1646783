"""Code blocks: Pygments highlighting and the Workbench's labelled output blocks."""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

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

_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=128)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(ALIASES.get(language, language), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def display_name(language: str) -> str:
    language = ALIASES.get(language, language)
    if language in NAMES:
        return NAMES[language]
    lexer = _lexer(language)
    return lexer.name if lexer is not None else language.capitalize()


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
    lexer = _lexer(language) if language else None
    body = highlight(code, lexer, _FORMATTER).rstrip("\n") if lexer is not None else escape(code)
    if not language:
        return f'<div class="code code-plain"{id_attr}><pre tabindex="0"><code>{body}</code></pre></div>\n'
    label = label or display_name(language)
    cls = escape(ALIASES.get(language, language))
    return (
        f'<div class="code code-source language-{cls}"{id_attr}><span class="code-label">{escape(label)}</span>'
        f'<pre class="highlight" tabindex="0"><code class="language-{cls}">{body}</code></pre></div>\n'
    )


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
