"""The lesson model written out as Workbench (pandoc) Markdown.

Blocks become fenced divs, code chunks become R Markdown chunks again, and a
page's questions/objectives/keypoints blocks come out as divs at the top and the
bottom of the episode, as The Carpentries' own transition of styles lessons did.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from lessonkit.markdown.fences import open_fence
from lessonkit.model import Block, CodeChunk, Markdown, Node, Page

FENCE_WIDTH = 48  # colons on an outer fence; nested fences get a few fewer
SUMMARY_ORDER = ("questions", "objectives")


def front_matter(page: Page) -> str:
    data: dict[str, Any] = {"title": page.title}
    if page.kind == "episode":
        data["teaching"] = page.teaching if page.teaching is not None else 0
        data["exercises"] = page.exercises if page.exercises is not None else 0
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{text}---\n"


def r_literal(value: Any) -> str:
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if re.fullmatch(r"[A-Za-z_.][\w.]*\(.*\)|-?\d+(\.\d+)?", text):
        return text  # an R expression or number kept verbatim by the reader
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def chunk_header(chunk: CodeChunk) -> str:
    parts = [chunk.engine + (f" {chunk.label}" if chunk.label else "")]
    parts += [f"{key}={r_literal(value)}" for key, value in chunk.options.items()]
    return "{" + ", ".join(parts) + "}"


def close_open_fence(text: str) -> str:
    """``text`` with a closing fence added when a code block in it is never closed: in a fenced div,
    an unclosed fence would swallow the div's closing line (kramdown ends it with the blockquote)."""
    fence = None
    for line in text.split("\n"):
        if fence is None:
            fence = open_fence(line)
        elif fence.closed_by(line):
            fence = None
    return text if fence is None else f"{text.rstrip()}\n{fence.indent}{fence.marks}"


def fence_open(block: Block, depth: int) -> str:
    colons = ":" * max(3, FENCE_WIDTH - 8 * depth)
    extra_classes = [c for c in block.classes[1:]]
    if block.id or extra_classes or block.attrs:
        attributes = [f".{block.kind}", *(f".{c}" for c in extra_classes)]
        if block.id:
            attributes.append(f"#{block.id}")
        attributes += [f'{k}="{v}"' for k, v in block.attrs.items()]
        return f"{colons} {{{' '.join(attributes)}}}"
    return f"{colons} {block.kind or 'div'}"


class WorkbenchWriter:
    """Serialises page bodies; ``rewrite`` adjusts the link targets of each run of Markdown."""

    def __init__(self, rewrite: Callable[[str, Node], str] | None = None):
        self.rewrite = rewrite or (lambda text, node: text)

    def page(self, page: Page) -> str:
        body = list(page.body)
        # Questions and objectives open an episode and key points close it (where the styles reader
        # put the front matter's lists); blocks of those kinds elsewhere stay where they are.
        split = 0
        while split < len(body) and isinstance(body[split], Block) and body[split].kind in SUMMARY_ORDER:
            split += 1
        top = sorted(body[:split], key=lambda b: SUMMARY_ORDER.index(b.kind))
        end = len(body)
        while end > split and isinstance(body[end - 1], Block) and body[end - 1].kind == "keypoints":
            end -= 1
        middle, bottom = body[split:end], body[end:]
        parts = [front_matter(page)]
        parts += [self.node(n, 0) for n in top]
        parts += [self.node(n, 0) for n in middle]
        parts += [self.node(n, 0) for n in bottom]
        text = parts[0] + "\n" + "\n\n".join(p.strip("\n") for p in parts[1:] if p.strip()) + "\n"
        return re.sub(r"\n{3,}", "\n\n", text)

    def nodes(self, nodes: list[Node], depth: int) -> str:
        return "\n\n".join(part.strip("\n") for part in (self.node(n, depth) for n in nodes) if part.strip())

    def node(self, node: Node, depth: int) -> str:
        if isinstance(node, Markdown):
            return close_open_fence(self.rewrite(node.text, node).strip("\n"))
        if isinstance(node, CodeChunk):
            return f"```{chunk_header(node)}\n{node.code}\n```"
        if isinstance(node, Block):
            return self.block(node, depth)
        return ""

    def block(self, block: Block, depth: int) -> str:
        opening = fence_open(block, depth)
        closing = ":" * max(3, FENCE_WIDTH - 8 * depth)
        inner = []
        if block.title is not None:
            inner.append("#" * (block.title_level or 2) + " " + self.rewrite(block.title, block))
        content = self.nodes(block.children, depth + 1)
        if content:
            inner.append(content)
        return f"{opening}\n\n" + "\n\n".join(inner) + f"\n\n{closing}"
