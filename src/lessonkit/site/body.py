"""Rendering a page's body (the lesson model's node tree) to HTML.

The body is rendered once for both views.  Instructor-only parts are wrapped
in :data:`INSTRUCTOR_START`/:data:`INSTRUCTOR_END` markers which
:func:`for_view` keeps (instructor view) or cuts out (learner view).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html import escape

from lessonkit.execute import layout
from lessonkit.execute.engines import substitute_inline
from lessonkit.markdown.fences import code_mask
from lessonkit.markdown.parser import slugify, unique_id
from lessonkit.model import Block, CodeChunk, Markdown, Node, Output, Page
from lessonkit.site.highlight import highlight_block
from lessonkit.site.icons import icon
from lessonkit.site.links import ROOT, LinkResolver
from lessonkit.site.markdown_html import make_html_renderer, page_references, render_markdown

INSTRUCTOR_START = "<!--lk:instructor-->"
INSTRUCTOR_END = "<!--/lk:instructor-->"
OVERVIEW_KINDS = ("questions", "objectives")


@dataclass
class RenderedBody:
    html: str  # with ROOT placeholders and instructor markers
    overview: dict[str, str] = field(default_factory=dict)  # questions/objectives HTML
    keypoints: list[str] = field(default_factory=list)  # HTML of each keypoints block
    instructor_notes: list[str] = field(default_factory=list)  # HTML of each inline note
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # level, id, text (h2/h3 only)
    files: dict[str, bytes] = field(default_factory=dict)  # figures made by executed code
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # (url, line)


_FOOTNOTE = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:[ \t]?(.*)$")


def split_footnotes(text: str) -> tuple[str, dict[str, str]]:
    """Take pandoc footnote definitions out of a run of Markdown (blank lines keep the numbering)."""
    if "[^" not in text:
        return text, {}
    lines = text.split("\n")
    definitions: dict[str, str] = {}
    in_code = code_mask(lines)
    index = 0
    while index < len(lines):
        line = lines[index]
        m = None if in_code[index] else _FOOTNOTE.match(line)
        if not m:
            index += 1
            continue
        body = [m.group(2)]
        lines[index] = ""
        index += 1
        while index < len(lines):
            following = lines[index]
            continues = following.startswith(("    ", "\t"))
            blank_then_indented = not following.strip() and index + 1 < len(lines) and \
                lines[index + 1].startswith(("    ", "\t"))
            if not (continues or blank_then_indented):
                break
            body.append(following[4:] if following.startswith("    ") else following.lstrip("\t"))
            lines[index] = ""
            index += 1
        definitions[m.group(1)] = "\n".join(body)
    return "\n".join(lines), definitions


class BodyRenderer:
    def __init__(self, page: Page, resolver: LinkResolver, lesson_references: dict, extra_env: dict | None = None):
        self.page = page
        self.resolver = resolver
        texts = [n.text for n, _ in page.walk() if isinstance(n, Markdown)]
        references = dict(lesson_references)
        references.update(page_references(texts))
        self.env: dict = {"references": references, "links": resolver, "ids": set(), **(extra_env or {})}
        self.texts: dict[int, str] = {}  # Markdown node -> text to render (footnote definitions taken out)
        self.footnotes: dict[str, str] = {}
        for node, _ in page.walk():
            if isinstance(node, Markdown) and "[^" in node.text:
                text, found = split_footnotes(node.text)
                if found:
                    self.texts[id(node)] = text
                    self.footnotes.update(found)
        if self.footnotes:
            self.env["footnotes"] = {"refs": {f":{label}": -1 for label in self.footnotes}, "list": {}}
        self.result = RenderedBody("")
        self.figure_count = 0
        self.inline_r = layout.inline_values(page.chunks()) if page.has_chunks else {}  # `r expr` values
        self.inline_used: dict[str, int] = {}

    def render(self) -> RenderedBody:
        body = list(self.page.body)
        for kind in OVERVIEW_KINDS:
            for node in body:
                if isinstance(node, Block) and node.kind == kind:
                    self.result.overview[kind] = self.nodes(node.children)
        body = [n for n in body if not (isinstance(n, Block) and n.kind in OVERVIEW_KINDS)]
        self.result.html = self.nodes(body) + self.footnote_list() + self.reference_list()
        self.result.unresolved = self.resolver.unresolved
        self.result.headings = _headings(self.result.html)
        return self.result

    def nodes(self, nodes: list[Node]) -> str:
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, Markdown):
                self.env["_base_line"] = node.line
                self.env["_line"] = 0
                text = self.texts.get(id(node), node.text)
                parts.append(render_markdown(substitute_inline(text, self.inline_r, self.inline_used) if self.inline_r else text, self.env))
            elif isinstance(node, Block):
                parts.append(self.block(node))
            elif isinstance(node, CodeChunk):
                parts.append(self.chunk(node))
        return "".join(parts)

    def footnote_list(self) -> str:
        """The page's footnotes, numbered in the order they are first referred to."""
        data = self.env.get("footnotes")
        if not data or not data["list"]:
            return ""
        items: list[str] = []
        number = 0
        while number < len(data["list"]):  # a footnote may refer to another one
            note = data["list"][number]
            content = render_markdown(self.footnotes.get(note["label"], ""), self.env).strip()
            backrefs = "".join(
                f' <a href="#fnref{number + 1}{":" + str(sub) if sub else ""}" class="footnote-backref" '
                f'aria-label="Back to the text">\u21a9\ufe0e</a>' for sub in range(max(1, note.get("count", 1)))
            )
            if content.endswith("</p>"):
                content = content[: -len("</p>")] + backrefs + "</p>"
            else:
                content += backrefs
            items.append(f'<li id="fn{number + 1}" class="footnote-item">{content}</li>')
            number += 1
        return ('<section class="footnotes" aria-label="Footnotes"><hr class="footnotes-sep">'
                f'<ol class="footnotes-list">{"".join(items)}</ol></section>\n')

    def reference_list(self) -> str:
        """The works the page cites (lessonkit.credit.bibliography.PageCitations), after its footnotes."""
        citations = self.env.get("citations")
        if citations is None or not citations.cited:
            return ""
        return citations.references_html(ident=unique_id("references", self.env))

    def inline(self, text: str) -> str:
        return make_html_renderer().renderInline(text, self.env)

    def block(self, block: Block) -> str:
        spec = block.spec
        inner = self.nodes(block.children)
        if spec is None:
            return self.plain_div(block, inner)
        title_html = self.inline(block.title) if block.title else ""
        if spec.role == "collapsible":
            extra = ""
            if block.title and block.title.strip().lower().rstrip(":") not in GENERIC_TITLES:
                extra = f'<span class="summary-title">{title_html}</span>'
            ident = f' id="{escape(self._id(block, block.title or block.kind))}"'
            return (
                f'<details class="collapsible {escape(block.kind)}"{ident}>'
                f'<summary><span class="summary-label">{escape(spec.title)}</span>{extra}</summary>'
                f'<div class="collapsible-content">{inner}</div></details>\n'
            )
        if spec.role == "tabs":
            return f'<div class="tabs {escape(block.kind)}" data-tabs="{escape(block.kind)}">{inner}</div>\n'
        heading = title_html or escape(spec.title)
        ident = self._id(block, block.title or spec.title)
        html = (
            f'<section class="callout {escape(block.kind)}" id="{escape(ident)}">'
            f'<div class="callout-header">{icon(spec.icon)}'
            f'<h3 class="callout-title" id="{escape(ident)}-title">{heading}</h3></div>'
            f'<div class="callout-content">{inner}</div></section>\n'
        )
        if spec.role == "instructor":
            self.result.instructor_notes.append(inner)
            return f"{INSTRUCTOR_START}{html}{INSTRUCTOR_END}"
        if block.kind == "keypoints":
            self.result.keypoints.append(inner)
        return html

    def plain_div(self, block: Block, inner: str) -> str:
        attrs = ""
        if block.id:
            attrs += f' id="{escape(block.id)}"'
            self.env["ids"].add(block.id)
        if block.classes:
            attrs += f' class="{escape(" ".join(block.classes))}"'
        for key, value in block.attrs.items():
            name = key if key.startswith("data-") or key in ("lang", "dir", "title", "role") else f"data-{key}"
            attrs += f' {escape(name)}="{escape(value)}"'
        title = f"<h3>{self.inline(block.title)}</h3>" if block.title else ""
        return f"<div{attrs}>{title}{inner}</div>\n"

    def _id(self, block: Block, text: str) -> str:
        if block.id:
            self.env["ids"].add(block.id)
            return block.id
        return unique_id(slugify(text), self.env)

    # -- code chunks -------------------------------------------------------

    def chunk(self, chunk: CodeChunk) -> str:
        shown = layout.items(chunk)  # laid out by knitr-style execution (execute/layout.py)
        if shown is not None:
            anchor = chunk.label and f"chunk-{chunk.label}"
            parts = []
            for item in shown:
                if item.kind == "source":
                    parts.append(highlight_block(item.text, layout.language(chunk), anchor))
                    anchor = None
                else:
                    parts.append(self.output(chunk, item, False))
            return "".join(parts)
        if chunk.option("include") is False:
            return ""
        parts: list[str] = []
        if chunk.option("echo", True) is not False:
            parts.append(highlight_block(chunk.code, layout.language(chunk), chunk.label and f"chunk-{chunk.label}"))
        hide_results = chunk.option("results") == "hide"
        for output in chunk.outputs:
            parts.append(self.output(chunk, output, hide_results))
        return "".join(parts)

    def output(self, chunk: CodeChunk, output: Output, hide_results: bool) -> str:
        if output.kind in ("stdout", "text") and not hide_results:
            return highlight_block(output.text, "output", None)
        if output.kind == "message":
            return highlight_block(output.text, "output", None)
        if output.kind == "warning":
            return highlight_block(output.text, "warning", None)
        if output.kind == "stderr":
            if chunk.option("warning") is False or chunk.option("message") is False:
                return ""  # knitr's warning=FALSE / message=FALSE
            return highlight_block(output.text, "warning", None)
        if output.kind == "error":
            return highlight_block(output.text, "error", None)
        if output.kind == "html" and not hide_results:
            return f'<div class="output-html" tabindex="0">{name_empty_headers(output.text)}</div>\n'
        if output.kind == "markdown" and not hide_results:
            return f'<div class="output-markdown">{render_markdown(output.text, self.env)}</div>\n'
        if output.kind == "image":
            return self.figure(chunk, output)
        return ""

    def figure(self, chunk: CodeChunk, output: Output) -> str:
        self.figure_count += 1
        extension = {"image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg"}.get(output.mime, "png")
        data = output.data or output.text.encode()
        label = chunk.label or f"chunk-{chunk.line}"
        digest = hashlib.blake2b(data, digest_size=6).hexdigest()
        site_path = f"fig/{self.page.slug}-rendered-{slugify(label)}-{self.figure_count}-{digest}.{extension}"
        self.result.files[site_path] = data
        alt = output.alt or str(chunk.option("fig.alt") or "")
        caption = output.caption or str(chunk.option("fig.cap") or "")
        caption_html = f"<figcaption>{self.inline(caption)}</figcaption>" if caption else ""
        width = layout.settings(chunk).get("out.width")
        style = f' style="width: {escape(width)}"' if width else ""
        return (
            f'<figure class="chunk-figure"><img src="{ROOT}{escape(site_path)}" alt="{escape(alt)}"{style} loading="lazy">'
            f"{caption_html}</figure>\n"
        )


EMPTY_HEADER = re.compile(r"<th(\s[^>]*)?>\s*</th>")


def name_empty_headers(html: str) -> str:
    """pandas leaves the index column's header cell empty; screen readers then announce
    nothing for it, so give it a name that only assistive technology reads."""
    return EMPTY_HEADER.sub(lambda m: f'<th{m.group(1) or ""}><span class="visually-hidden">row</span></th>', html)


GENERIC_TITLES = {"solution", "solutions", "hint", "answer", "output", "details", "show me the solution",
                  "give me a hint", "spoiler"}


def _headings(html: str) -> list[tuple[int, str, str]]:
    import re

    found = []
    for m in re.finditer(r'<h([23])\b[^>]*?\bid="([^"]+)"[^>]*>(.*?)</h\1>', html, re.S):
        text = re.sub(r"<[^>]+>", "", m.group(3)).strip()
        found.append((int(m.group(1)), m.group(2), text))
    return found


def render_body(page: Page, resolver: LinkResolver, lesson_references: dict,
                extra_env: dict | None = None) -> RenderedBody:
    return BodyRenderer(page, resolver, lesson_references, extra_env).render()


def for_view(html: str, view: str) -> str:
    """The body for the learner view (instructor parts removed) or the instructor view."""
    if INSTRUCTOR_START not in html:
        return html.replace(ROOT, "../" if view == "instructor" else "")
    if view == "instructor":
        return html.replace(INSTRUCTOR_START, "").replace(INSTRUCTOR_END, "").replace(ROOT, "../")
    out: list[str] = []
    depth = 0
    position = 0
    while True:
        start = html.find(INSTRUCTOR_START, position)
        end = html.find(INSTRUCTOR_END, position)
        if start == -1 and end == -1:
            if depth == 0:
                out.append(html[position:])
            break
        if start != -1 and (end == -1 or start < end):
            if depth == 0:
                out.append(html[position:start])
            depth += 1
            position = start + len(INSTRUCTOR_START)
        else:
            depth = max(0, depth - 1)
            position = end + len(INSTRUCTOR_END)
    return "".join(out).replace(ROOT, "")
