"""``{{ glosario.slug }}`` in lesson text, as a markdown-it plugin (see :mod:`lessonkit.glosario`).

The parser makes a ``glosario`` token (``meta``: the slug and the line of the placeholder within
the inline text) wherever the placeholder is text -- not in code, not in a link destination.  The
renderer asks ``env["glosario"]`` (``link_html(slug, written) -> html``, see
``lessonkit.glosario.PageGlosario``); without it (a lesson that does not set ``glosario: true``)
the placeholder is shown as written, as the Workbench does, and ``lessonkit check`` says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from lessonkit.glosario import PLACEHOLDER


def _rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("{{", pos):
        return False
    m = PLACEHOLDER.match(src, pos, state.posMax)
    if not m:
        return False
    if not silent:
        token = state.push("glosario", "", 0)
        token.content = m.group(0)
        token.meta = {"slug": m.group(1), "line": src.count("\n", 0, pos)}
    state.pos = m.end()
    return True


def _render(self, tokens, idx, options, env) -> str:  # markdown-it render rule
    token = tokens[idx]
    glosario = env.get("glosario")
    if glosario is None:
        return escape(token.content)
    return glosario.link_html(token.meta["slug"], token.content)


def glosario_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "glosario", _rule)
    md.add_render_rule("glosario", _render)


def placeholder_uses(text: str, first_line: int) -> Iterator[tuple[str, int, int]]:
    """(slug, line, column) of every placeholder the parser sees in a run of Markdown (for the checks)."""
    if "glosario." not in text:
        return
    from lessonkit.markdown.parser import make_parser

    lines = text.split("\n")
    for token in make_parser().parse(text, {}):
        if token.type != "inline" or not token.children or "glosario." not in token.content:
            continue
        base = token.map[0] if token.map else 0
        seen: dict[int, int] = {}
        for child in _all(token.children):
            if child.type != "glosario":
                continue
            index = base + child.meta["line"]
            column = 0
            if 0 <= index < len(lines):
                found = lines[index].find(child.content, seen.get(index, 0))
                if found != -1:
                    seen[index] = found + 1
                    column = found + 1
            yield child.meta["slug"], first_line + index, column


def _all(children):
    for child in children:
        yield child
        if child.children:
            yield from _all(child.children)
