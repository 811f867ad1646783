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
from lessonkit.locale import Interface, interface
from lessonkit.markdown.fences import code_mask
from lessonkit.markdown.parser import slugify, unique_id
from lessonkit.model import Block, CodeChunk, Markdown, Node, Output, Page
from lessonkit.site.highlight import CODE_LABELS, highlight_block
from lessonkit.site.icons import icon
from lessonkit.site.links import LESSONS, ROOT, VIEW, LinkResolver
from lessonkit.site.markdown_html import make_html_renderer, page_references, render_markdown
from lessonkit.site.theme import environment

INSTRUCTOR_START = "<!--lk:instructor-->"
INSTRUCTOR_END = "<!--/lk:instructor-->"
OVERVIEW_KINDS = ("questions", "objectives")
_HEADING_LEVEL = re.compile(r"<h([1-6])[\s>]")


@dataclass(frozen=True)
class BodyOptions:
    """The lesson-wide settings a page body depends on."""

    lang: str = "en"  # the lesson's language (a page's own ``lang:`` wins)
    fold_code: bool = False  # config.yaml ``fold_code: true``: executable chunks' source collapsed
    theme: str = ""  # folder of the lesson's theme (templates overriding the package's)

    def signature(self) -> str:
        from lessonkit.locale import catalogue_signature
        from lessonkit.site.theme import theme_signature

        return f"{self.lang}|{self.fold_code}|{catalogue_signature()}|{theme_signature(self.theme)}"


def page_language(page: Page | None, default: str) -> str:
    value = page.lang if page is not None else None  # known without opening a cached page
    return value.strip() if isinstance(value, str) and value.strip() else default


@dataclass
class RenderedBody:
    html: str  # with ROOT placeholders and instructor markers
    overview: dict[str, str] = field(default_factory=dict)  # questions/objectives HTML
    keypoints: list[str] = field(default_factory=list)  # HTML of each keypoints block
    instructor_notes: list[str] = field(default_factory=list)  # HTML of each inline note
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # level, id, text (h2/h3 only)
    files: dict[str, bytes] = field(default_factory=dict)  # figures made by executed code
    unresolved: list[tuple[str, int]] = field(default_factory=list)  # (url, line)
    lang: str = "en"  # the interface language the body was rendered in


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


#: A reference definition with pandoc attributes: ``[label]: url "title" {alt="..." width=300}``.
_REFERENCE_ATTRIBUTES = re.compile(
    r"""^( {0,3}\[([^\]\n]+)\]:[ \t]*\S+(?:[ \t]+(?:"[^"\n]*"|'[^'\n]*'|\([^)\n]*\)))?)[ \t]*(\{[^}\n]*\})[ \t]*$""",
    re.M)
_IMAGE_REFERENCE = re.compile(r"!\[((?:[^\]\\]|\\.)*)\](?:\[([^\]\n]*)\])?(?![(\[{:])")


def reference_attributes(nodes: list[Markdown], texts: dict[int, str]) -> dict[str, str]:
    """Take ``{...}`` attributes off reference definitions (which CommonMark would not read as
    definitions then); returns them by label, for :func:`apply_reference_attributes`."""
    found: dict[str, str] = {}
    for node in nodes:
        text = texts.get(id(node), node.text)
        if "]:" not in text or "{" not in text:
            continue

        def strip(m: re.Match) -> str:
            found[" ".join(m.group(2).lower().split())] = m.group(3)
            return m.group(1)

        texts[id(node)] = _REFERENCE_ATTRIBUTES.sub(strip, text)
    return found


def apply_reference_attributes(text: str, attributes: dict[str, str]) -> str:
    """``![caption][label]`` (or ``![label]``) gets the attributes its definition carried, unless it has its own."""
    if "![" not in text:
        return text

    def add(m: re.Match) -> str:
        label = m.group(2) if m.group(2) else m.group(1)
        attrs = attributes.get(" ".join(label.lower().split()))
        return m.group(0) + attrs if attrs else m.group(0)

    return _IMAGE_REFERENCE.sub(add, text)


class BodyRenderer:
    def __init__(self, page: Page, resolver: LinkResolver, lesson_references: dict, extra_env: dict | None = None,
                 options: BodyOptions | None = None):
        self.page = page
        self.resolver = resolver
        self.options = options or BodyOptions()
        self.ui: Interface = interface(page_language(page, self.options.lang))
        self.templates = environment(self.options.theme)
        self.texts: dict[int, str] = {}  # Markdown node -> text to render (footnote definitions taken out)
        markdown = [n for n, _ in page.walk() if isinstance(n, Markdown)]
        attributes = reference_attributes(markdown, self.texts)
        texts = [self.texts.get(id(n), n.text) for n in markdown]
        references = dict(lesson_references)
        references.update(page_references(texts))
        self.env: dict = {"references": references, "links": resolver, "ids": set(), "ui": self.ui,
                          **(extra_env or {})}
        if attributes:
            for node in markdown:
                self.texts[id(node)] = apply_reference_attributes(self.texts.get(id(node), node.text), attributes)
        self.footnotes: dict[str, str] = {}
        for node in markdown:
            text = self.texts.get(id(node), node.text)
            if "[^" in text:
                text, found = split_footnotes(text)
                if found:
                    self.texts[id(node)] = text
                    self.footnotes.update(found)
        if self.footnotes:
            self.env["footnotes"] = {"refs": {f":{label}": -1 for label in self.footnotes}, "list": {}}
        self.result = RenderedBody("", lang=self.ui.lang)
        self.figure_count = 0
        # The level of the heading a block title follows (block titles never skip a level); a block
        # rendered on its own (e.g. in a workshop handout) follows a level-2 heading.
        self.levels: list[int] = [2]
        self.inline_r = layout.inline_values(page.chunks()) if page.has_chunks else {}  # `r expr` values
        self.inline_used: dict[str, int] = {}

    def render(self) -> RenderedBody:
        body = list(self.page.body)
        for kind in OVERVIEW_KINDS:
            for node in body:
                if isinstance(node, Block) and node.kind == kind:
                    self.result.overview[kind] = self.nodes(node.children)
        # The page's title is its only level-1 heading; the overview (when there is one) is under level-2 ones.
        self.levels = [2] if self.result.overview else [1]
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
                html = render_markdown(substitute_inline(text, self.inline_r, self.inline_used) if self.inline_r
                                       else text, self.env)
                if "<h" in html:
                    found = _HEADING_LEVEL.findall(html)
                    if found:
                        self.levels[-1] = int(found[-1])
                parts.append(html)
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
        notes: list[dict] = []
        number = 0
        while number < len(data["list"]):  # a footnote may refer to another one
            note = data["list"][number]
            content = render_markdown(self.footnotes.get(note["label"], ""), self.env).strip()
            tail = "</p>" if content.endswith("</p>") else ""
            refs = [f"{number + 1}{':' + str(sub) if sub else ''}" for sub in range(max(1, note.get("count", 1)))]
            notes.append({"number": number + 1, "content": content[: len(content) - len(tail)], "refs": refs,
                          "tail": tail})
            number += 1
        return self._render("footnotes.html", notes=notes)

    def reference_list(self) -> str:
        """The works the page cites (lessonkit.credit.bibliography.PageCitations), after its footnotes."""
        citations = self.env.get("citations")
        if citations is None or not citations.cited:
            return ""
        return citations.references_html(heading=self.ui.gettext("References"), ident=unique_id("references", self.env),
                                         all_label=self.ui.gettext("All references of the lesson"))

    def inline(self, text: str) -> str:
        return make_html_renderer().renderInline(text, self.env)

    def block(self, block: Block) -> str:
        spec = block.spec
        if spec is None:
            return self.plain_div(block, self.nodes(block.children))
        level = min(6, self.levels[-1] + 1)
        # Only a box's title is a heading: the content of a solution, tabs or an instructor note
        # follows the heading the block itself follows.
        self.levels.append(level if spec.role == "callout" else self.levels[-1])
        try:
            inner = self.nodes(block.children)
        finally:
            self.levels.pop()
        ui = self.ui
        title_html = self.inline(block.title) if block.title else ""
        own_title = bool(block.title) and block.title.strip().lower().rstrip(":") not in GENERIC_TITLES
        context = {"kind": block.kind, "content": inner, "icon": icon(spec.icon), "level": level,
                   "_": ui.gettext}
        if spec.role == "collapsible":
            # The block's own heading is its button label; the default label only when it has none.
            context.update(id=self._id(block, block.title or block.kind),
                           label=title_html if own_title else escape(ui.gettext(spec.title)), own_title=own_title)
            return self._template("blocks/collapsible.html").render(context) + "\n"
        if spec.role == "tabs":
            return self._template("blocks/tabs.html").render(context) + "\n"
        ident = self._id(block, block.title or spec.title)
        context.update(id=ident, title=title_html or escape(ui.gettext(spec.title)))
        if spec.role == "instructor":
            self.result.instructor_notes.append(inner)
            html = self._template("blocks/instructor.html").render(context) + "\n"
            return f"{INSTRUCTOR_START}{html}{INSTRUCTOR_END}"
        if block.kind == "keypoints":
            self.result.keypoints.append(inner)
        return self._template("blocks/callout.html").render(context) + "\n"

    def _template(self, name: str):
        return self.templates.get_template(name)

    def _render(self, name: str, **context) -> str:
        """A template of the theme (``templates/``), ending with a newline as every block does."""
        return self._template(name).render(context, _=self.ui.gettext) + "\n"

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
        return self._render("blocks/div.html", attributes=attrs, level=min(6, self.levels[-1] + 1),
                            title=self.inline(block.title) if block.title else "", content=inner)

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
            source = highlight_block(chunk.code, layout.language(chunk), chunk.label and f"chunk-{chunk.label}")
            fold = chunk.option("code-fold", chunk.option("code_fold", self.options.fold_code))
            if fold is True or (isinstance(fold, str) and fold.lower() in ("true", "show")):
                source = self._render("chunks/code-fold.html", source=source,
                                      open=isinstance(fold, str) and fold.lower() == "show")
            parts.append(source)
        hide_results = chunk.option("results") == "hide"
        for output in chunk.outputs:
            parts.append(self.output(chunk, output, hide_results))
        return "".join(parts)

    def output(self, chunk: CodeChunk, output: Output, hide_results: bool) -> str:
        if output.kind in ("stdout", "text") and not hide_results:
            return highlight_block(output.text, "output", None, label=self.code_label("output"))
        if output.kind == "message":
            return highlight_block(output.text, "output", None, label=self.code_label("output"))
        if output.kind == "warning":
            return highlight_block(output.text, "warning", None, label=self.code_label("warning"))
        if output.kind == "stderr":
            if chunk.option("warning") is False or chunk.option("message") is False:
                return ""  # knitr's warning=FALSE / message=FALSE
            return highlight_block(output.text, "warning", None, label=self.code_label("warning"))
        if output.kind == "error":
            return highlight_block(output.text, "error", None, label=self.code_label("error"))
        if output.kind == "html" and not hide_results:
            return self._render("chunks/output.html", kind="html", content=name_empty_headers(output.text))
        if output.kind == "markdown" and not hide_results:
            return self._render("chunks/output.html", kind="markdown", content=render_markdown(output.text, self.env))
        if output.kind == "image":
            return self.figure(chunk, output)
        return ""

    def code_label(self, kind: str) -> str:
        return self.ui.gettext(CODE_LABELS[kind])

    def figure(self, chunk: CodeChunk, output: Output) -> str:
        self.figure_count += 1
        extension = {"image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg"}.get(output.mime, "png")
        data = output.data or output.text.encode()
        label = chunk.label or f"chunk-{chunk.line}"
        digest = hashlib.blake2b(data, digest_size=6).hexdigest()
        site_path = f"fig/{self.page.slug}-rendered-{slugify(label)}-{self.figure_count}-{digest}.{extension}"
        self.result.files[site_path] = data
        alt = output.alt or str(chunk.option("fig.alt") or chunk.option("fig.cap") or "")  # knitr: cap is the alt
        caption = output.caption or str(chunk.option("fig.cap") or "")
        width = layout.settings(chunk).get("out.width")
        return self._render("chunks/figure.html", src=ROOT + escape(site_path), alt=escape(alt),
                            width=escape(width) if width else "", caption=self.inline(caption) if caption else "")


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
                extra_env: dict | None = None, options: BodyOptions | None = None) -> RenderedBody:
    return BodyRenderer(page, resolver, lesson_references, extra_env, options).render()


def for_view(html: str, view: str) -> str:
    """The body for the learner view (instructor parts removed) or the instructor view."""
    if LESSONS in html:  # links to other lessons of a catalogue (see site/links.py)
        html = html.replace(LESSONS, "../../" if view == "instructor" else "../").replace(
            VIEW, "instructor/" if view == "instructor" else "")
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
