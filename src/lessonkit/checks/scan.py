"""A fast, linear-time scanner for the checks: headings, links, images, tables and anchors of a
run of lesson Markdown, with the exact line and column of each.

Code is recognised by the one fence definition (``lessonkit.markdown.fences``) that the readers
and the renderer's helpers use. Links are found per paragraph, not per line, so that link text
and ``{alt="..."}`` attributes may span lines, as they may for the renderer. No regular
expression here can backtrack more than a bounded amount: every pass is linear in the text.
It builds no document tree, so checking a large lesson costs little (markdown-it tokens for the
whole corpus would take several times longer; see docs/checks.md).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from lessonkit.markdown import linear
from lessonkit.markdown.attributes import parse_attributes, split_trailing_attributes
from lessonkit.markdown.fences import code_lines
from lessonkit.markdown.parser import slugify

ATX = linear.ATX  # the regex's lazy (.*?) before [ \t]*+$ was quadratic in runs of spaces (issue #11)
SETEXT = re.compile(r"^ {0,3}(?:=++|-++)[ \t]*+$")
DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]\n]{1,999})\]:[ \t]*+(?P<url><[^>\n]*+>|\S++)(?P<rest>.*)$")
# After the ']' of a link text: (url "title"){attrs}. Possessive quantifiers: no backtracking.
DESTINATION = re.compile(
    r"\([ \t\n]*+(?P<url><[^>\n]*+>|(?:[^\s()]++|\([^\s()]*+\))*+)"
    r"(?:[ \t\n]++(?:\"[^\"]{0,1000}\"|'[^']{0,1000}'|\([^()]{0,1000}\)))?[ \t\n]*+\)"
)
ATTRIBUTES = re.compile(r"\{[^{}]{0,4000}\}")
HTML_A = re.compile(r"<a\b", re.I)
HTML_HREF = re.compile(r"\bhref[ \t\n]*+=[ \t\n]*+(?:\"([^\"]*+)\"|'([^']*+)'|([^\s\"'>]++))", re.I)
GREATER = re.compile(">")
HTML_TAG = re.compile(r"<[a-zA-Z]")
HTML_URL_ATTRIBUTE = re.compile(r"\b(href|src)[ \t\n]*+=[ \t\n]*+([\"'])((?:(?!\2)[^\n])*+)\2", re.I)
HTML_LINK_END = re.compile(r"</a\s*>", re.I)
HTML_IMG = re.compile(r"<img\b", re.I)
HTML_ATTR = re.compile(r"\b(?P<name>[a-zA-Z-]++)[ \t\n]*+=[ \t\n]*+(?:\"(?P<dq>[^\"]*+)\"|'(?P<sq>[^']*+)')")
HTML_ID = re.compile(r"\bid[ \t]*+=[ \t]*+([\"'])(?P<id>[^\"'\n]{1,500})\1")
ATTR_ID = re.compile(r"\{[^{}\n]{0,2000}\}")
ID_IN_ATTRIBUTES = re.compile(r"#([\w:.-]+)")
TABLE_SEPARATOR = re.compile(r"^[ \t]*+\|?[ \t]*+:?-++:?[ \t]*+(?:\|[ \t]*+:?-++:?[ \t]*+)*+\|?[ \t]*+$")
GRID_BORDER = re.compile(r"^\+(?:[-=:]++\+)++[ \t]*+$")
HTML_TABLE = re.compile(r"<table\b", re.I)
HTML_TH = re.compile(r"<th\b", re.I)
TAGS = re.compile(r"<[^<>]{0,2000}>")
BACKTICKS = re.compile(r"`+")
BRACKETS = re.compile(r"[\[\]]")
NOT_NEWLINE = re.compile(r"[^\n]")
QUOTE_MARKERS = re.compile(r"^(?:[ \t]{0,3}>[ \t]?)++")
MAY_INDENT_CODE = re.compile(r"\n[ \t]*+\n(?:    |\t)")  # indented code begins after a blank line
#: A line with none of these characters (and not starting with - or =) holds no heading, link,
#: table, fence or id.
SPECIAL = frozenset("#[]<>|+`~{}!")
DEFINITION_LINE = re.compile(r"^ {0,3}:\s")


@dataclass(frozen=True, slots=True)
class Spot:
    """Where something is: a file of the lesson, a 1-based line and column (0 when unknown)."""

    path: str
    line: int
    column: int = 1


@dataclass(slots=True)
class Heading:
    level: int
    text: str
    at: Spot
    anchor: str | None = None  # explicit {#id}


@dataclass(slots=True)
class Link:
    text: str
    url: str
    at: Spot
    image: bool = False
    alt: str | None = None  # for images: the alt text that will be used
    html: bool = False
    reference: str | None = None  # the label, for a reference link ([text][label]) or a definition
    definition: bool = False  # a reference definition ([label]: url), not a use


@dataclass(frozen=True, slots=True)
class Target:
    """A link destination as written in the text (for rewriting it): where it starts and its exact text."""

    at: Spot
    raw: str  # e.g. "fig/x.png" or "<my file.md>"


@dataclass(frozen=True, slots=True)
class Table:
    at: Spot
    has_header: bool


@dataclass(frozen=True, slots=True)
class Definition:
    url: str
    attrs: dict[str, str]  # {alt="..."} and other attributes written after the target (pandoc)


@dataclass(frozen=True, slots=True)
class ReferenceUse:
    """A use of a reference link: ``[text][label]``, ``[text][]`` or ``[text]``."""

    text: str
    label: str
    at: Spot
    image: bool
    explicit: bool  # written with a second pair of brackets (a shortcut [text] may just be text)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Scan:
    headings: list[Heading] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # explicit ids and glossary terms (slugs)
    definitions: dict[str, Definition] = field(default_factory=dict)  # label (normalised) -> definition
    references: list[ReferenceUse] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)  # every destination: links, images, definitions, href/src


def normalise_label(label: str) -> str:
    return " ".join(label.lower().split())


def _is_definition(line: str) -> bool:
    return line.lstrip()[:1] == ":" and DEFINITION_LINE.match(line) is not None


class _Paragraph:
    """Consecutive lines scanned for links as one text (links may span lines)."""

    __slots__ = ("lines", "numbers")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.numbers: list[int] = []


def scan(text: str, first_line: int, path: str = "") -> Scan:
    result = Scan()
    lines = text.split("\n")
    may_hold_code = "```" in text or "~~~" in text or text.startswith(("    ", "\t")) or \
        MAY_INDENT_CODE.search(text) is not None
    code = code_lines(lines) if may_hold_code else None
    in_comment = False
    previous_blank = True
    table_header: tuple[int, str] | None = None
    paragraph = _Paragraph()

    def end_paragraph() -> None:
        if paragraph.lines:
            _links("\n".join(paragraph.lines), paragraph.numbers, path, result)
            paragraph.lines, paragraph.numbers = [], []

    for index, raw in enumerate(lines):
        number = first_line + index
        stripped = raw.strip()
        if code is not None and code[index]:
            end_paragraph()
            previous_blank = False
            table_header = None
            continue
        if not in_comment and stripped[:1] not in ("-", "=") and SPECIAL.isdisjoint(raw):
            # Plain prose (most lines): only a glossary term can hide here.
            if not stripped:
                end_paragraph()
            else:
                if paragraph.lines:  # a link's text may go on over this line
                    paragraph.lines.append(raw)
                    paragraph.numbers.append(number)
                if index + 1 < len(lines) and _is_definition(lines[index + 1]):
                    result.anchors.append(slugify(stripped))
            table_header = None
            previous_blank = not stripped
            continue
        if in_comment:
            if "-->" in raw:
                in_comment = False
            previous_blank = not stripped
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            end_paragraph()
            in_comment = True
            continue
        line = _mask_comments(raw) if "<!--" in raw else raw

        heading = ATX.match(raw) if stripped.startswith("#") else None
        attrs = None
        if heading:
            end_paragraph()
            content = (heading.group(3) or "").strip()
            title, attrs = split_trailing_attributes(content)
            result.headings.append(Heading(len(heading.group(2)), title, Spot(path, number, len(heading.group(1)) + 1),
                                           attrs.id if attrs else None))
        elif stripped[:1] in ("=", "-") and index > 0 and not previous_blank and lines[index - 1].strip() \
                and SETEXT.match(line) and not TABLE_SEPARATOR.match(line) and "|" not in lines[index - 1]:
            level = 1 if stripped.startswith("=") else 2
            if not lines[index - 1].lstrip().startswith(("-", "*", "+", ">", "|")):
                result.headings.append(Heading(level, lines[index - 1].strip(), Spot(path, number - 1, 1)))

        # Tables: a pipe table's second line is its separator; a grid table's header ends with '==='.
        has_pipe = "|" in line
        if has_pipe and table_header is not None and TABLE_SEPARATOR.match(line):
            header_line, header = table_header
            cells = [c.strip() for c in header.strip().strip("|").split("|")]
            result.tables.append(Table(Spot(path, header_line, 1), any(cells)))
        if line[:1] == "+" and previous_blank and GRID_BORDER.match(line):
            following = lines[index + 1:index + 60]
            end = next((i for i, row in enumerate(following) if not row.strip()), len(following))
            has_header = any(row.startswith("+=") for row in following[:end])
            result.tables.append(Table(Spot(path, number, 1), has_header))
        if "<" in line and HTML_TABLE.search(line):
            rest = "\n".join(lines[index:index + 400])
            end = rest.lower().find("</table>")
            block = rest[: end if end != -1 else len(rest)]
            result.tables.append(Table(Spot(path, number, 1), HTML_TH.search(block) is not None))
        table_header = (number, line) if has_pipe else None

        definition = DEFINITION.match(line) if stripped[:1] == "[" else None
        if definition:
            end_paragraph()
            _definition(definition, number, path, result)
        elif heading:
            if "[" in line or "<" in line:
                if attrs is not None:  # the heading's own {#id .class}, not an image's attributes
                    brace = line.rfind("{")
                    line = line[:brace] + " " * (len(line) - brace)
                _links(line, [number], path, result)
        elif stripped:
            if stripped[0] == ">":  # blockquote markers are not part of the text (same columns kept)
                line = QUOTE_MARKERS.sub(lambda m: " " * len(m.group(0)), line, count=1)
            paragraph.lines.append(line)
            paragraph.numbers.append(number)
        else:
            end_paragraph()
        if "{" in line and not heading:
            for m in ATTR_ID.finditer(line):
                ids = ID_IN_ATTRIBUTES.findall(m.group(0))
                if ids:
                    result.anchors.append(ids[-1])
        if "<" in line and "id" in line:
            result.anchors.extend(m.group("id") for m in HTML_ID.finditer(line))
        # A glossary term: a line followed by a definition (":   ...") line.
        if stripped and not stripped.startswith(":") and index + 1 < len(lines) and _is_definition(lines[index + 1]):
            result.anchors.append(slugify(stripped))
        previous_blank = not stripped
    end_paragraph()
    return result


def _mask_comments(line: str) -> str:
    """Blank out ``<!-- ... -->`` on a line (same length, so columns stay right)."""
    out = []
    position = 0
    while True:
        start = line.find("<!--", position)
        if start == -1:
            break
        end = line.find("-->", start + 4)
        stop = len(line) if end == -1 else end + 3
        out.append(line[position:start])
        out.append(" " * (stop - start))
        position = stop
    out.append(line[position:])
    return "".join(out)


def _mask_code_spans(text: str) -> str:
    """Blank out inline code (a run of backticks up to the next run of the same length), in linear time."""
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(text)]
    if len(runs) < 2:
        return text
    following: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for position in range(len(runs) - 1, -1, -1):
        length = runs[position][1] - runs[position][0]
        following[position] = last.get(length)
        last[length] = position
    pieces = []
    cursor = 0
    position = 0
    while position < len(runs):
        partner = following[position]
        if partner is None:
            position += 1
            continue
        start, end = runs[position][0], runs[partner][1]
        pieces.append(text[cursor:start])
        pieces.append(NOT_NEWLINE.sub(" ", text[start:end]))
        cursor = end
        position = partner + 1
    pieces.append(text[cursor:])
    return "".join(pieces)


def _definition(m: re.Match, number: int, path: str, result: Scan) -> None:
    url = m.group("url").strip("<>")
    rest = m.group("rest")
    attrs: dict[str, str] = {}
    brace = rest.rfind("{")
    if brace != -1 and rest.rstrip().endswith("}"):
        parsed = parse_attributes(rest[brace:].strip())
        if not parsed.invalid:
            attrs = dict(parsed.pairs)
    label = m.group("label")
    result.definitions[normalise_label(label)] = Definition(url, attrs)
    at = Spot(path, number, m.start("url") + 1)
    result.links.append(Link(label, url, at, reference=label, definition=True))
    result.targets.append(Target(at, m.group("url")))


def _attrs_after(text: str, position: int) -> tuple[dict[str, str], int]:
    """``{key=value ...}`` right at ``position`` (pandoc attributes), and the position after it."""
    if position < len(text) and text[position] == "{":
        m = ATTRIBUTES.match(text, position)
        if m:
            parsed = parse_attributes(m.group(0))
            if not parsed.invalid:
                return dict(parsed.pairs), m.end()
    return {}, position


def _links(text: str, numbers: list[int], path: str, result: Scan) -> None:
    """Inline links, images and reference uses of a paragraph (``numbers``: the line of each of its lines)."""
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())

    def spot(offset: int) -> Spot:
        row = bisect_right(starts, offset) - 1
        return Spot(path, numbers[row], offset - starts[row] + 1)

    masked = _mask_code_spans(text) if "`" in text else text
    if "[" in masked:
        _bracket_links(masked, text, spot, result)
    if "<" in masked:
        _html_links(masked, spot, result)


def _html_tags(masked: str, start_pattern: re.Pattern):
    """``(start, tag text)`` of each tag ``start_pattern`` opens, up to its '>' (at most 4,000 characters).
    The '>' are found once, so text full of unclosed tags costs linear time."""
    closers = [m.start() for m in GREATER.finditer(masked)]
    for m in start_pattern.finditer(masked):
        found = bisect_right(closers, m.start())
        if found < len(closers) and closers[found] - m.start() <= 4000:
            yield m.start(), masked[m.start():closers[found] + 1]


def _html_links(masked: str, spot, result: Scan) -> None:
    for start, tag in _html_tags(masked, HTML_TAG):
        for m in HTML_URL_ATTRIBUTE.finditer(tag):
            if m.group(3):
                result.targets.append(Target(spot(start + m.start(3)), m.group(3)))
    ends = [m.start() for m in HTML_LINK_END.finditer(masked)]
    for start, tag in _html_tags(masked, HTML_A):
        href = HTML_HREF.search(tag)
        if href is None:
            continue
        url = next(group for group in href.groups() if group is not None)
        after = start + len(tag)
        found = bisect_right(ends, after - 1)
        inner = masked[after:ends[found]] if found < len(ends) else ""
        result.links.append(Link(TAGS.sub("", inner), url, spot(start), html=True))
    for start, tag in _html_tags(masked, HTML_IMG):
        attrs = {a.group("name").lower(): a.group("dq") if a.group("dq") is not None else a.group("sq")
                 for a in HTML_ATTR.finditer(tag)}
        if "src" in attrs:
            result.links.append(Link("", attrs["src"], spot(start), True, attrs.get("alt"), html=True))


def _bracket_links(masked: str, text: str, spot, result: Scan) -> None:
    # Pair the brackets with a stack (one pass), then look at what follows each pair.
    pairs: dict[int, int] = {}  # position of ']' -> position of its '['
    opening: dict[int, int] = {}  # position of '[' -> position of its ']'
    stack: list[int] = []
    for m in BRACKETS.finditer(masked):
        position = m.start()
        if position and masked[position - 1] == "\\":
            continue  # an escaped bracket
        if masked[position] == "[":
            stack.append(position)
        elif stack:
            start = stack.pop()
            pairs[position] = start
            opening[start] = position
    label_of: set[int] = set()  # '[' positions that are the label of a reference use
    for close in sorted(pairs):
        start = pairs[close]
        if start in label_of:
            continue
        image = start > 0 and masked[start - 1] == "!"
        begin = start - 1 if image else start
        inner = text[start + 1:close]
        after = close + 1
        following = masked[after] if after < len(masked) else ""
        if following == "(":
            m = DESTINATION.match(masked, after)
            if m:
                raw = text[m.start("url"):m.end("url")]
                url = raw.strip("<>")
                if raw:
                    result.targets.append(Target(spot(m.start("url")), raw))
                attrs, _ = _attrs_after(masked, m.end())
                alt = (attrs.get("alt", inner) if image else None)
                result.links.append(Link(inner, url, spot(begin), image, alt))
                continue
        if following == ":" and (begin == 0 or masked[begin - 1] == "\n"):
            continue  # a reference definition (handled line by line)
        if following == "[" and after in opening:
            label_close = opening[after]
            label = text[after + 1:label_close]
            label_of.add(after)
            attrs, _ = _attrs_after(masked, label_close + 1)
            result.references.append(ReferenceUse(inner, label or inner, spot(begin), image, True, attrs))
            continue
        if close - start > 1 and not inner.startswith(("^", "@")) and inner.strip().lower() not in ("x", "") \
                and (begin == 0 or masked[begin - 1] != "]"):
            attrs, _ = _attrs_after(masked, after)
            result.references.append(ReferenceUse(inner, inner, spot(begin), image, False, attrs))
