"""The Markdown dialect of lesson text, as a configured markdown-it parser.

CommonMark plus the pandoc extensions Carpentries lessons use: pipe and grid
tables, strikethrough, footnotes, definition lists, ``$maths$``, attributes
on images, links, inline code and ``[spans]{.class}``, heading attributes
``## Title {#id .class}``, automatic heading identifiers (pandoc's algorithm)
and implicit figures (an image alone in a paragraph).

The parser is shared by the HTML renderer and by the checks, so both see the
same headings, links and images.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from lessonkit.markdown.attributes import parse_attributes, split_trailing_attributes
from lessonkit.markdown.citations import citations_plugin
from lessonkit.markdown.glosario import glosario_plugin
from lessonkit.markdown.grid_tables import grid_table_plugin


def slugify(text: str) -> str:
    """Pandoc's automatic identifier for a heading's plain text."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w\s.-]", "", text)
    text = re.sub(r"\s+", "-", text.strip())
    text = re.sub(r"^[^a-z]+", "", text)  # identifiers start with a letter
    return text or "section"


def unique_id(base: str, env: dict) -> str:
    ids: set[str] = env.setdefault("ids", set())
    candidate = base
    counter = 0
    while candidate in ids:
        counter += 1
        candidate = f"{base}-{counter}"
    ids.add(candidate)
    return candidate


def inline_text(token: Token) -> str:
    """Plain text of an inline token (what a reader would see)."""
    if not token.children:
        return token.content
    parts: list[str] = []
    for child in token.children:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(inline_text(child))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "footnote_ref":
            continue
    return "".join(parts)


def _heading_attributes(state: StateCore) -> None:
    """Move ``{#id .class}`` at the end of a heading into the heading's attributes."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            text, attrs = split_trailing_attributes(inline.content)
            if attrs is not None:
                inline.content = text
                if attrs.id:
                    token.attrSet("id", attrs.id)
                    token.meta["explicit_id"] = True
                for cls in attrs.classes:
                    token.attrJoin("class", cls)
                for key, value in attrs.pairs.items():
                    # as for divs: unknown keys (e.g. the time mark minutes=10) become data- attributes
                    known = key.startswith("data-") or key in ("lang", "dir", "title", "role")
                    token.attrSet(key if known else f"data-{key}", value)


def _identifiers(state: StateCore) -> None:
    """Give every heading and glossary term an id, unique within the page."""
    env = state.env
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "dt_open") and index + 1 < len(tokens):
            text = inline_text(tokens[index + 1])
            token.meta["text"] = text
            existing = token.attrGet("id")
            if existing:
                env.setdefault("ids", set()).add(str(existing))
                continue
            token.attrSet("id", unique_id(slugify(text), env))


def _figures(state: StateCore) -> None:
    """Mark paragraphs holding a single captioned image as figures (pandoc's implicit_figures)."""
    tokens = state.tokens
    for index in range(len(tokens) - 2):
        if tokens[index].type != "paragraph_open" or tokens[index + 2].type != "paragraph_close":
            continue
        inline = tokens[index + 1]
        children = [c for c in (inline.children or []) if not (c.type == "text" and not c.content.strip())]
        if len(children) == 1 and children[0].type == "image" and inline_text(children[0]).strip():
            tokens[index].meta["figure"] = True
            tokens[index + 2].meta["figure"] = True
            children[0].meta["figure"] = True


_BRACES = re.compile(r"\{([^{}]{0,4000})\}")
_ATTRIBUTE_TARGETS = ("image", "code_inline", "link_close", "span_close")


def _pandoc_attributes(state: StateInline, silent: bool) -> bool:
    """``{#id .class key=value key2='single quoted'}`` after an image, link, code or span.

    The attrs plugin understands only double quotes; pandoc (and so the Workbench) also
    accepts single quotes, as in ``![Caption](fig.png){alt='Alt text'}``."""
    if state.src[state.pos] != "{" or state.pending or not state.tokens:
        return False
    token = state.tokens[-1]
    if token.type not in _ATTRIBUTE_TARGETS:
        return False
    m = _BRACES.match(state.src, state.pos)
    if not m or not m.group(1).strip():
        return False
    attrs = parse_attributes(m.group(1))
    if attrs.invalid:
        return False
    if not silent:
        target = token
        if token.type in ("link_close", "span_close"):
            opening = token.type.replace("_close", "_open")
            level = 0
            for candidate in reversed(state.tokens):
                level += candidate.nesting
                if candidate.type == opening and level == 0:
                    target = candidate
                    break
        if attrs.id:
            target.attrSet("id", attrs.id)
        for cls in attrs.classes:
            target.attrJoin("class", cls)
        for key, value in attrs.pairs.items():
            if key.lower().startswith("on") or key.lower() in ("href", "src"):
                continue  # no event handlers, no URL changes through attributes
            target.attrSet(key, value)
    state.pos = m.end()
    return True


@lru_cache(maxsize=1)
def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.use(tasklists_plugin, label=True)
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True)
    md.use(attrs_plugin, spans=True)
    md.inline.ruler.before("attr", "pandoc_attributes", _pandoc_attributes)
    md.use(grid_table_plugin)
    md.core.ruler.before("inline", "heading_attributes", _heading_attributes)
    md.core.ruler.push("identifiers", _identifiers)
    md.core.ruler.push("figures", _figures)
    md.use(citations_plugin)
    md.use(glosario_plugin)
    return md


def parse(text: str, env: dict | None = None) -> list[Token]:
    return make_parser().parse(text, env if env is not None else {})
