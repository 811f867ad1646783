"""A fast line scanner for the checks: headings, links, images, tables and anchors of a
run of lesson Markdown, with the exact line and column of each.

It reads the text the way the Markdown parser does where it matters for checks (code
blocks, code spans and HTML comments are skipped; pandoc attributes are understood)
but does not build a document tree, so checking a large lesson costs little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lessonkit.markdown import linear
from lessonkit.markdown.attributes import parse_attributes, split_trailing_attributes
from lessonkit.markdown.parser import slugify

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
ATX = linear.ATX  # linear time: the regex it replaces was quadratic in runs of spaces
SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
CODE_SPAN = linear.CODE_SPAN  # linear time: the regex it replaced took minutes on a line of backticks
# [text](url "title"){attrs} and ![alt](url){attrs}; text may hold one level of brackets.
INLINE = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*(?P<url><[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
    r"(?P<attrs>\{[^{}\n]*\})?"
)
REFERENCE_USE = re.compile(r"(?P<bang>!?)\[(?P<text>[^\[\]]+)\](?:\[(?P<label>[^\[\]]*)\])?(?!\(|:)")
DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]\n]+)\]:\s*(?P<url><[^>\n]*>|\S+)")
HTML_LINK = linear.HTML_LINK  # linear time: the regex it replaced was cubic on repeated '<a href='
HTML_IMG = re.compile(r"<img\b(?P<attrs>[^>]*)>", re.I)
HTML_ATTR = re.compile(r"\b(?P<name>[a-zA-Z-]+)\s*=\s*([\"'])(?P<value>.*?)\2")
HTML_ID = re.compile(r"\bid\s*=\s*([\"'])(?P<id>[^\"']+)\1")
ATTR_ID = re.compile(r"\{[^{}\n]*#(?P<id>[\w:.-]+)[^{}\n]*\}")
TABLE_SEPARATOR = linear.TABLE_SEPARATOR  # linear time (the regex was quadratic in runs of spaces)
GRID_BORDER = re.compile(r"^\+(?:[-=:]+\+)+\s*$")
HTML_TABLE = re.compile(r"<table\b", re.I)
#: A line with none of these characters (and not starting with - or =) holds no heading, link,
#: table, fence or id.
SPECIAL = frozenset("#[]<>|+`~{}!")
LIST_NUMBER = re.compile(r"\s*\d+[.)]")
COMMENT = re.compile(r"<!--.*?-->")
DEFINITION_LINE = re.compile(r"^ {0,3}:\s")


@dataclass
class Heading:
    level: int
    text: str
    line: int
    column: int
    anchor: str | None = None  # explicit {#id}


@dataclass
class Link:
    text: str
    url: str
    line: int
    column: int
    image: bool = False
    alt: str | None = None  # for images: the alt text that will be used
    html: bool = False


@dataclass
class Table:
    line: int
    has_header: bool


@dataclass
class Scan:
    headings: list[Heading] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)  # explicit ids and glossary terms (slugs)
    definitions: dict[str, str] = field(default_factory=dict)  # reference label (lower case) -> url
    references: list[tuple[str, str, int, int, bool]] = field(default_factory=list)  # text, label, line, col, image


def _mask_code(line: str) -> str:
    if "`" not in line:
        return line
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def _is_definition(line: str) -> bool:
    return line.lstrip()[:1] == ":" and DEFINITION_LINE.match(line) is not None


def scan(text: str, first_line: int) -> Scan:
    result = Scan()
    lines = text.split("\n")
    fence = ""
    in_comment = False
    previous_blank = True
    table_header_candidate: tuple[int, str] | None = None
    for index, raw in enumerate(lines):
        number = first_line + index
        stripped = raw.strip()
        if not fence and not in_comment and stripped[:1] not in ("-", "=") and SPECIAL.isdisjoint(raw):
            # Plain prose (most lines): only a glossary term can hide here.
            if stripped and index + 1 < len(lines) and _is_definition(lines[index + 1]):
                result.anchors.append(slugify(stripped))
            table_header_candidate = None
            previous_blank = not stripped
            continue
        if in_comment:
            if "-->" in raw:
                in_comment = False
            previous_blank = not raw.strip()
            continue
        code = FENCE.match(raw)
        if fence:
            if code and code.group(2)[0] == fence[0] and len(code.group(2)) >= len(fence) and \
                    raw.strip() == code.group(2):
                fence = ""
            continue
        if code:
            fence = code.group(2)
            continue
        if previous_blank and raw.startswith(("    ", "\t")) and not stripped.startswith(("-", "*", "+", "<")) \
                and not LIST_NUMBER.match(raw):
            continue  # indented code block (roughly: not a list continuation)
        if stripped.startswith("<!--") and "-->" not in stripped:
            in_comment = True
            continue
        line = _mask_code(raw)
        if "<!--" in line:
            line = COMMENT.sub(lambda m: " " * len(m.group(0)), line)

        heading = ATX.match(raw) if stripped.startswith("#") else None
        if heading:
            content = (heading.group(3) or "").strip()
            title, attrs = split_trailing_attributes(content)
            column = len(heading.group(1)) + 1
            result.headings.append(Heading(len(heading.group(2)), title, number, column,
                                           attrs.id if attrs else None))
        elif stripped[:1] in ("=", "-") and SETEXT.match(line) and index > 0 and lines[index - 1].strip() and not previous_blank \
                and not TABLE_SEPARATOR.match(line) and "|" not in lines[index - 1]:
            level = 1 if line.strip().startswith("=") else 2
            if not lines[index - 1].lstrip().startswith(("-", "*", "+", ">", "|")):
                result.headings.append(Heading(level, lines[index - 1].strip(), number - 1, 1))

        # Tables: a pipe table's second line is its separator; a grid table's header ends with '==='.
        has_pipe = "|" in line
        if has_pipe and table_header_candidate is not None and TABLE_SEPARATOR.match(line):
            header_line, header = table_header_candidate
            cells = [c.strip() for c in header.strip().strip("|").split("|")]
            result.tables.append(Table(header_line, any(cells)))
        if line[:1] == "+" and previous_blank and GRID_BORDER.match(line):
            following = lines[index + 1:index + 60]
            end = next((i for i, row in enumerate(following) if not row.strip()), len(following))
            has_header = any(row.startswith("+=") for row in following[:end])
            result.tables.append(Table(number, has_header))
        if "<" in line and HTML_TABLE.search(line):
            rest = "\n".join(lines[index:index + 400])
            end = rest.lower().find("</table>")
            block = rest[: end if end != -1 else len(rest)]
            result.tables.append(Table(number, bool(re.search(r"<th\b", block, re.I))))
        table_header_candidate = (number, line) if has_pipe else None

        definition = DEFINITION.match(line) if stripped[:1] == "[" else None
        if definition:
            url = definition.group("url").strip("<>")
            result.definitions[definition.group("label").strip().lower()] = url
            result.links.append(Link(definition.group("label"), url, number, definition.start("url") + 1))
        elif "[" in line or "<" in line:
            _links(line, number, result)
        if "{" in line and not heading:
            result.anchors.extend(m.group("id") for m in ATTR_ID.finditer(line))
        if "id" in line and "<" in line:
            result.anchors.extend(m.group("id") for m in HTML_ID.finditer(line))
        # A glossary term: a line followed by a definition (":   ...") line.
        if stripped and not stripped.startswith(":") and index + 1 < len(lines) and _is_definition(lines[index + 1]):
            result.anchors.append(slugify(stripped))
        previous_blank = not stripped
    return result


def _links(line: str, number: int, result: Scan) -> None:
    taken: list[tuple[int, int]] = []
    for m in INLINE.finditer(line):
        url = m.group("url").strip("<>")
        image = bool(m.group("bang"))
        alt = None
        if image:
            alt = m.group("text")
            if m.group("attrs"):
                attrs = parse_attributes(m.group("attrs"))
                if "alt" in attrs.pairs:
                    alt = attrs.pairs["alt"]
        result.links.append(Link(m.group("text"), url, number, m.start() + 1, image, alt))
        taken.append(m.span())
        # an image inside a link's text: [![alt](img.png)](target)
        inner = m.group("text")
        if "](" in inner:
            offset = m.start("text")
            for sub in INLINE.finditer(inner):
                sub_alt = sub.group("text") if sub.group("bang") else None
                result.links.append(Link(sub.group("text"), sub.group("url").strip("<>"), number,
                                         offset + sub.start() + 1, bool(sub.group("bang")), sub_alt))
    for m in REFERENCE_USE.finditer(line):
        if any(start <= m.start() < end for start, end in taken):
            continue
        label = (m.group("label") or m.group("text")).strip()
        if m.group("label") is None and (label.startswith("^") or label.lower() in ("x", " ", "")):
            continue  # footnotes and task list boxes
        result.references.append((m.group("text"), label, number, m.start() + 1, bool(m.group("bang"))))
    if "<" in line:
        for m in HTML_LINK.finditer(line):
            text = re.sub(r"<[^>]+>", "", m.group("text"))
            result.links.append(Link(text, m.group("url"), number, m.start() + 1, html=True))
        for m in HTML_IMG.finditer(line):
            attrs = {a.group("name").lower(): a.group("value") for a in HTML_ATTR.finditer(m.group("attrs"))}
            if "src" in attrs:
                result.links.append(Link("", attrs["src"], number, m.start() + 1, True, attrs.get("alt"), html=True))
