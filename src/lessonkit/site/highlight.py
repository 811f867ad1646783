"""Code blocks: Pygments highlighting and the Workbench's labelled output blocks."""

from __future__ import annotations

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

_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=128)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(ALIASES.get(language, language), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def display_name(language: str) -> str:
    language = ALIASES.get(language, language)
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
            f"<pre><code>{escape(code)}</code></pre></div>\n"
        )
    lexer = _lexer(language) if language else None
    body = highlight(code, lexer, _FORMATTER).rstrip("\n") if lexer is not None else escape(code)
    if not language:
        return f'<div class="code code-plain"{id_attr}><pre><code>{body}</code></pre></div>\n'
    label = label or display_name(language)
    cls = escape(ALIASES.get(language, language))
    return (
        f'<div class="code code-source language-{cls}"{id_attr}><span class="code-label">{escape(label)}</span>'
        f'<pre class="highlight"><code class="language-{cls}">{body}</code></pre></div>\n'
    )


def stylesheet() -> str:
    """Pygments colours for light and dark themes (WCAG AA contrast styles)."""
    def token_colours(style: str) -> str:
        # Token colours only: backgrounds and line heights come from the theme.
        defs = HtmlFormatter(style=style).get_style_defs(".highlight")
        return "\n".join(line for line in defs.splitlines()
                         if line.startswith(".highlight .") and ("background" not in line or " .hll " in line))

    light = token_colours("default")
    try:
        dark = token_colours("github-dark")
    except ClassNotFound:
        return light
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}"
