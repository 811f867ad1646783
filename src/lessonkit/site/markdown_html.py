"""Markdown to HTML for lesson pages.

The lesson dialect's parser (``lessonkit.markdown.parser``) with rendering
rules of our own: headings with anchor links, figures with captions and alt
text, links and image sources rewritten for the site's layout, code
highlighted by Pygments and labelled (output, error, ...), responsive tables,
and maths rendered to MathML at build time (no JavaScript, no CDN).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from lessonkit.markdown.attributes import parse_attributes
from lessonkit.markdown.parser import make_parser
from lessonkit.site.highlight import CODE_LABELS, highlight_block


def _translate(env: dict, message: str) -> str:
    ui = env.get("ui")  # the page's interface language (lessonkit.locale.Interface), set by the body renderer
    return ui.gettext(message) if ui is not None else message


def _attr_string(token: Token, skip: tuple[str, ...] = ()) -> str:
    return "".join(
        f' {escape(str(k))}="{escape(str(v))}"' for k, v in token.attrItems() if k not in skip
    )


class LessonRenderer(RendererHTML):
    """markdown-it renderer with lessonkit's rules."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: dict) -> str:
        # Keep track of the source line being rendered, for diagnostics about links.
        out: list[str] = []
        rules = self.rules
        for index, token in enumerate(tokens):
            if token.map:
                env["_line"] = token.map[0]
            if token.type == "inline":
                out.append(self.renderInline(token.children or [], options, env))
            elif token.type in rules:
                out.append(rules[token.type](tokens, index, options, env))
            else:
                out.append(self.renderToken(tokens, index, options, env))
        return "".join(out)

    def heading_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        token = tokens[idx]
        return f"<{token.tag}{_attr_string(token)}>"

    def heading_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        token = tokens[idx]
        anchor = tokens[idx - 2].attrGet("id") if idx >= 2 else None
        link = (
            f'<a class="anchor" href="#{escape(str(anchor))}" '
            f'aria-label="{escape(_translate(env, "Link to this section"))}"></a>'
            if anchor else ""
        )
        return f"{link}</{token.tag}>\n"

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        if tokens[idx].meta.get("figure"):
            return "<figure>"
        return super().renderToken(tokens, idx, options, env)

    def paragraph_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        if tokens[idx].meta.get("figure"):
            return "</figure>\n"
        return super().renderToken(tokens, idx, options, env)

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        token = tokens[idx]
        caption_html = self.renderInline(token.children or [], options, env)
        caption_text = self.renderInlineAsText(token.children, options, env)
        explicit_alt = token.attrGet("alt")
        alt = str(explicit_alt) if explicit_alt else caption_text
        src = str(token.attrGet("src") or "")
        links = env.get("links")
        if links is not None:
            src = links.resource(src, env)
        attrs = _attr_string(token, skip=("src", "alt"))
        img = f'<img src="{escape(src)}" alt="{escape(alt)}"{attrs} loading="lazy">'
        if token.meta.get("figure"):
            return f"{img}<figcaption>{caption_html}</figcaption>"
        return img

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        links = env.get("links")
        if links is not None:
            href = links.link(href, env)
        return f'<a href="{escape(href)}"{_attr_string(token, skip=("href",))}>'

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        token = tokens[idx]
        info = token.info.strip()
        language, classes, block_id = "", [], None
        if info.startswith("{"):
            attrs = parse_attributes(info)
            classes = attrs.classes
            language = classes[0] if classes else ""
            block_id = attrs.id
        elif info:
            language = info.split()[0]
        key = language.strip().lower()
        if key == "mermaid":  # drawn in the browser by the Mermaid library shipped with the theme
            return f'<pre class="mermaid">{escape(token.content)}</pre>\n'
        label = _translate(env, CODE_LABELS[key]) if key in CODE_LABELS else None
        return highlight_block(token.content, language, block_id, label=label)

    def code_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return highlight_block(tokens[idx].content, "", None)

    def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return f'<div class="table-wrapper" tabindex="0"><table{_attr_string(tokens[idx])}>\n'

    def table_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return "</table></div>\n"

    def math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return to_mathml(tokens[idx].content, display=False)

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return to_mathml(tokens[idx].content, display=True)

    def math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return f'<div class="math-display" tabindex="0">{to_mathml(tokens[idx].content, display=True)}</div>\n'

    def dt_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict) -> str:
        return f"<dt{_attr_string(tokens[idx])}>"


@lru_cache(maxsize=512)
def to_mathml(latex: str, display: bool) -> str:
    """LaTeX to MathML (rendered by the browser; no script needed)."""
    try:
        from latex2mathml.converter import convert

        from lessonkit.site.mathml import sanitise_mathml

        # latex2mathml copies \unicode{...}, \href{...} and \style{...} into its output: an allow-list
        # of MathML elements and attributes keeps raw HTML out of maths (site/mathml.py).
        return sanitise_mathml(convert(latex.strip(), display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds of error on odd input; UnsafeMathML too
        cls = "math math-display" if display else "math"
        return f'<code class="{cls}">{escape(latex)}</code>'



@lru_cache(maxsize=1)
def make_html_renderer() -> MarkdownIt:
    md = make_parser.__wrapped__()
    plugin_rules = md.renderer.rules
    md.renderer = LessonRenderer(md)
    for name, rule in plugin_rules.items():  # keep the plugins' rules (footnotes, ...) we do not override
        md.renderer.rules.setdefault(name, rule)
    # Footnotes are gathered for the whole page by the body renderer (a page is several runs of Markdown).
    md.core.ruler.disable("footnote_tail")
    return md


_REFERENCE_LINE = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*\S")


def page_references(texts: Sequence[str]) -> dict[str, dict[str, str]]:
    """Reference definitions anywhere in a page, so that every run of Markdown can use them."""
    lines: list[str] = []
    for text in texts:
        if "]:" not in text:
            continue
        split = text.split("\n")
        for index, line in enumerate(split):
            if _REFERENCE_LINE.match(line):
                lines.append(line)
                if index + 1 < len(split) and split[index + 1].lstrip()[:1] in ("\"", "'", "("):
                    lines.append(split[index + 1])
                lines.append("")
    if not lines:
        return {}
    env: dict = {}
    make_html_renderer().parse("\n".join(lines), env)
    return dict(env.get("references", {}))


def render_markdown(text: str, env: dict) -> str:
    return make_html_renderer().render(text, env)
