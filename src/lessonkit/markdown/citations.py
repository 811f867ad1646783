"""Pandoc citations in lesson Markdown, as a markdown-it plugin.

Syntax (pandoc's): ``[@key]``, ``[see @key, p. 4; @other]``, ``[-@key]`` (year only) and
narrative ``@key`` in running text.  The parser produces ``citation`` tokens whose
``meta`` holds the mode (``"normal"`` or ``"narrative"``), the items (key, prefix,
locator, suffix, suppress-author) and the line of the citation within the inline text.

A bracketed citation is always recognised.  A bare ``@key`` is a citation only when the
lesson has a bibliography (``env["citations"]`` is set), so that an ``@handle`` in a lesson
without one stays text, as it would in a Workbench lesson without pandoc citations.

Formatting is not done here: the renderer asks ``env["citations"]`` (an object with
``cite(items, mode) -> html`` and ``known(key) -> bool``, see
``lessonkit.credit.bibliography.PageCitations``).  Without it, a citation is shown as
written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

#: A citation key: pandoc's rule (starts with a letter, digit or _, then word characters and
#: internal punctuation ``:.#$%&-+?<>~/``; a trailing punctuation character is not part of it).
KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w])?"
_ITEM_KEY = re.compile(r"(?:^|(?<=[\s\[(]))(?P<minus>-?)@(?P<key>" + KEY + r"|\{[^{}\s]+\})")
_NARRATIVE = re.compile(r"@(?P<key>" + KEY + r")")
_LOCATOR = re.compile(
    r"^\s*,?\s*(?P<label>p|pp|page|pages|chap|chapter|ch|sec|section|§|fig|figure|vol|volume|para|"
    r"paragraph|l|ll|line|n|note|col|column|tab|table)\.?\s*(?P<value>[\w.\-–,]+?(?:\s*[-–]\s*[\w.]+)?)"
    r"(?P<rest>(?:[,;]\s.*)?)$", re.I | re.S)
_BARE_LOCATOR = re.compile(r"^\s*,?\s*(?P<value>\d+(?:\s*[-–]\s*\d+)?)(?P<rest>(?:[,;]\s.*)?)$", re.S)
LOCATOR_LABELS = {
    "p": "page", "pp": "page", "page": "page", "pages": "page", "chap": "chapter", "chapter": "chapter",
    "ch": "chapter", "sec": "section", "section": "section", "§": "section", "fig": "figure",
    "figure": "figure", "vol": "volume", "volume": "volume", "para": "paragraph", "paragraph": "paragraph",
    "l": "line", "ll": "line", "line": "line", "n": "note", "note": "note", "col": "column", "column": "column",
    "tab": "table", "table": "table",
}


@dataclass(frozen=True)
class CitationItem:
    key: str
    prefix: str = ""
    suffix: str = ""
    locator: str = ""  # e.g. "4" or "4-7"
    label: str = ""  # CSL locator label: page, chapter, section, figure, ...
    suppress_author: bool = False


@dataclass(frozen=True)
class CitationUse:
    """Where a citation key is used, for the checks."""

    key: str
    line: int  # 1-based line in the file
    column: int  # 1-based column (0 when unknown)
    narrative: bool


def _split_item(part: str) -> CitationItem | None:
    """``see @key, p. 4`` -> CitationItem; None when the part holds no key."""
    matches = list(_ITEM_KEY.finditer(part))
    if len(matches) != 1:
        return None
    m = matches[0]
    key = m.group("key")
    if key.startswith("{"):
        key = key[1:-1]
    prefix = part[: m.start()].strip()
    suffix = part[m.end():]
    locator = label = ""
    found = _LOCATOR.match(suffix)
    if found:
        label = LOCATOR_LABELS[found.group("label").lower()]
        locator, suffix = found.group("value").strip(), found.group("rest")
    else:
        bare = _BARE_LOCATOR.match(suffix)
        if bare:
            label, locator, suffix = "page", bare.group("value").strip(), bare.group("rest")
    suffix = suffix.strip()
    if suffix.startswith(","):
        suffix = suffix[1:].strip()
    return CitationItem(key, prefix, suffix, locator, label, bool(m.group("minus")))


def parse_bracketed(content: str) -> list[CitationItem] | None:
    """The items of ``[content]`` when it is a citation (every ``;``-separated part has one key)."""
    if "@" not in content:
        return None
    items: list[CitationItem] = []
    for part in content.split(";"):
        item = _split_item(part)
        if item is None:
            return None
        items.append(item)
    return items or None


def _matching_bracket(src: str, start: int, end: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``start`` (-1 if none on the same paragraph)."""
    level = 0
    index = start
    while index < end:
        char = src[index]
        if char == "\\":
            index += 2
            continue
        if char == "`":  # a code span inside is not part of a citation
            return -1
        if char == "[":
            level += 1
        elif char == "]":
            level -= 1
            if level == 0:
                return index
        index += 1
    return -1


def _line_of(state: StateInline, position: int) -> int:
    return state.src.count("\n", 0, position)


def _bracketed_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "[" or pos + 2 >= state.posMax or "@" not in src[pos:pos + 200]:
        return False
    close = _matching_bracket(src, pos, state.posMax)
    if close == -1:
        return False
    after = src[close + 1:close + 2]
    if after in ("(", "["):
        return False  # a link or a reference link (definitions are blocks, parsed before this)
    content = src[pos + 1:close]
    if "\n\n" in content or content.startswith("^"):
        return False
    items = parse_bracketed(content)
    if items is None:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.content = src[pos:close + 1]
        token.meta = {"mode": "normal", "items": items, "line": _line_of(state, pos)}
    state.pos = close + 1
    return True


def _narrative_rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "@" or state.env.get("citations") is None:
        return False
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@.-+"):
        return False  # an e-mail address or similar
    m = _NARRATIVE.match(src, pos)
    if not m:
        return False
    key = m.group("key")
    if not silent:
        token = state.push("citation", "", 0)
        token.content = m.group(0)
        token.meta = {"mode": "narrative", "items": [CitationItem(key)], "line": _line_of(state, pos)}
    state.pos = m.end()
    return True


def render_citation(self, tokens, idx, options, env) -> str:  # markdown-it render rule
    token = tokens[idx]
    citations = env.get("citations")
    if citations is None:
        return escape(token.content)
    return citations.cite(token.meta["items"], token.meta["mode"], token.content)


def _figure_credits(state) -> None:
    """Core rule: a reused figure's credit line (``env["figure_credits"].credit_html(src)``, see
    ``lessonkit.credit.site.FigureCredits``) goes at the end of its caption."""
    credits = state.env.get("figure_credits")
    if credits is None:
        return
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "image" and child.meta.get("figure"):
                html = credits.credit_html(str(child.attrGet("src") or ""))
                if html:
                    extra = Token("html_inline", "", 0)
                    extra.content = " " + html
                    child.children = [*(child.children or []), extra]


def citations_plugin(md: MarkdownIt) -> None:
    """Register after the parser's ``figures`` core rule (figure credits need to know the figures)."""
    # Before links, so that ``[@key]`` is a citation (pandoc's precedence); a link such as
    # ``[@key](url)`` is left to the link rule.
    md.inline.ruler.before("link", "citation", _bracketed_rule)
    md.inline.ruler.push("citation_narrative", _narrative_rule)
    md.core.ruler.push("figure_credits", _figure_credits)
    md.add_render_rule("citation", render_citation)


# -- for the checks ------------------------------------------------------------


def citation_uses(text: str, first_line: int, env: dict | None = None) -> Iterator[CitationUse]:
    """Every citation key used in a run of Markdown, with its line and column in the file.

    ``env`` should hold ``citations`` (any object) for bare ``@key`` to count."""
    if "@" not in text:
        return
    from lessonkit.markdown.parser import make_parser

    env = dict(env or {})
    tokens = make_parser().parse(text, env)
    lines = text.split("\n")
    for token in tokens:
        if token.type != "inline" or not token.children or "@" not in token.content:
            continue
        base = token.map[0] if token.map else 0
        for child in _inline_tokens(token.children):
            if child.type != "citation":
                continue
            line_index = base + child.meta.get("line", 0)
            for item in child.meta["items"]:
                column = 0
                if 0 <= line_index < len(lines):
                    found = lines[line_index].find("@" + item.key)
                    if found == -1:
                        found = lines[line_index].find("@{" + item.key)
                    column = found + 1 if found != -1 else 0
                yield CitationUse(item.key, first_line + line_index, column, child.meta["mode"] == "narrative")


def _inline_tokens(children):
    for child in children:
        yield child
        if child.children:
            yield from _inline_tokens(child.children)
