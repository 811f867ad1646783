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
    """Headings, links, tables and anchors of ``text``, whose first line is line ``first_line`` of ``path``."""
    return _Scanner(text, first_line, path).run()


class _Scanner:
    """One pass over the lines: code and comments are skipped, each other line is looked at for a
    heading, a table, a reference definition and anchors, and joined to its paragraph for links."""

    def __init__(self, text: str, first_line: int, path: str):
        self.result = Scan()
        self.lines = text.split("\n")
        self.first_line = first_line
        self.path = path
        may_hold_code = "```" in text or "~~~" in text or text.startswith(("    ", "\t")) or \
            MAY_INDENT_CODE.search(text) is not None
        self.code = code_lines(self.lines) if may_hold_code else None
        self.previous_blank = True
        self.table_header: tuple[int, str] | None = None
        self.paragraph = _Paragraph()

    def run(self) -> Scan:
        in_comment = False
        for index, raw in enumerate(self.lines):
            stripped = raw.strip()
            if self.code is not None and self.code[index]:
                self.end_paragraph()
                self.previous_blank, self.table_header = False, None
            elif in_comment:
                in_comment = "-->" not in raw
                self.previous_blank = not stripped
            elif stripped[:1] not in ("-", "=") and SPECIAL.isdisjoint(raw):
                self.prose(index, raw, stripped)
            elif stripped.startswith("<!--") and "-->" not in stripped:
                self.end_paragraph()
                in_comment = True
            else:
                self.special(index, raw, stripped)
        self.end_paragraph()
        return self.result

    def end_paragraph(self) -> None:
        paragraph = self.paragraph
        if paragraph.lines:
            _links("\n".join(paragraph.lines), paragraph.numbers, self.path, self.result)
            paragraph.lines, paragraph.numbers = [], []

    def glossary_term(self, index: int, stripped: str) -> None:
        """A line followed by a definition (":   ...") line is a glossary term, with an anchor."""
        if stripped and not stripped.startswith(":") and index + 1 < len(self.lines) and \
                _is_definition(self.lines[index + 1]):
            self.result.anchors.append(slugify(stripped))

    def prose(self, index: int, raw: str, stripped: str) -> None:
        """Plain prose (most lines): it may go on with a link's text, or be a glossary term."""
        if not stripped:
            self.end_paragraph()
        else:
            if self.paragraph.lines:
                self.paragraph.lines.append(raw)
                self.paragraph.numbers.append(self.first_line + index)
            self.glossary_term(index, stripped)
        self.table_header = None
        self.previous_blank = not stripped

    def special(self, index: int, raw: str, stripped: str) -> None:
        number = self.first_line + index
        line = _mask_comments(raw) if "<!--" in raw else raw
        heading = self.heading(index, raw, line, stripped)
        self.tables(index, line)
        definition = DEFINITION.match(line) if stripped[:1] == "[" else None
        if definition:
            self.end_paragraph()
            _definition(definition, number, self.path, self.result)
        elif heading is not None:
            if "[" in line or "<" in line:
                _links(heading, [number], self.path, self.result)
        elif stripped:
            if stripped[0] == ">":  # blockquote markers are not part of the text (same columns kept)
                line = QUOTE_MARKERS.sub(lambda m: " " * len(m.group(0)), line, count=1)
            self.paragraph.lines.append(line)
            self.paragraph.numbers.append(number)
        else:
            self.end_paragraph()
        self.anchors(line, heading is not None)
        self.glossary_term(index, stripped)
        self.previous_blank = not stripped

    def heading(self, index: int, raw: str, line: str, stripped: str) -> str | None:
        """Record an ATX or setext heading; for an ATX heading, the line to look for links in
        (its own trailing ``{#id .class}`` blanked out: it is not an image's attributes)."""
        number = self.first_line + index
        m = ATX.match(raw) if stripped.startswith("#") else None
        if m:
            self.end_paragraph()
            title, attrs = split_trailing_attributes((m.group(3) or "").strip())
            self.result.headings.append(Heading(len(m.group(2)), title, Spot(self.path, number, len(m.group(1)) + 1),
                                                attrs.id if attrs else None))
            if attrs is not None:
                brace = line.rfind("{")
                line = line[:brace] + " " * (len(line) - brace)
            return line
        above = self.lines[index - 1] if index > 0 else ""
        if stripped[:1] in ("=", "-") and index > 0 and not self.previous_blank and above.strip() \
                and SETEXT.match(line) and not TABLE_SEPARATOR.match(line) and "|" not in above \
                and not above.lstrip().startswith(("-", "*", "+", ">", "|")):
            level = 1 if stripped.startswith("=") else 2
            self.result.headings.append(Heading(level, above.strip(), Spot(self.path, number - 1, 1)))
        return None

    def tables(self, index: int, line: str) -> None:
        """A pipe table's second line is its separator; a grid table's header ends with '==='."""
        number = self.first_line + index
        tables = self.result.tables
        has_pipe = "|" in line
        if has_pipe and self.table_header is not None and TABLE_SEPARATOR.match(line):
            header_line, header = self.table_header
            cells = [c.strip() for c in header.strip().strip("|").split("|")]
            tables.append(Table(Spot(self.path, header_line, 1), any(cells)))
        if line[:1] == "+" and self.previous_blank and GRID_BORDER.match(line):
            following = self.lines[index + 1:index + 60]
            end = next((i for i, row in enumerate(following) if not row.strip()), len(following))
            tables.append(Table(Spot(self.path, number, 1), any(row.startswith("+=") for row in following[:end])))
        if "<" in line and HTML_TABLE.search(line):
            rest = "\n".join(self.lines[index:index + 400])
            end = rest.lower().find("</table>")
            block = rest[: end if end != -1 else len(rest)]
            tables.append(Table(Spot(self.path, number, 1), HTML_TH.search(block) is not None))
        self.table_header = (number, line) if has_pipe else None

    def anchors(self, line: str, heading: bool) -> None:
        """Explicit ids: ``{#id}`` (not a heading's: the heading gave its anchor) and ``id="..."``."""
        if "{" in line and not heading:
            for m in ATTR_ID.finditer(line):
                ids = ID_IN_ATTRIBUTES.findall(m.group(0))
                if ids:
                    self.result.anchors.append(ids[-1])
        if "<" in line and "id" in line:
            self.result.anchors.extend(m.group("id") for m in HTML_ID.finditer(line))


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
