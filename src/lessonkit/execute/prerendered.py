"""Outputs that sandpaper rendered, shown when R is not installed (``--prerendered FOLDER``).

sandpaper knits each R Markdown episode into Markdown (``site/built/EPISODE.md``; the
lesson's ``md-outputs`` branch holds the same files), where every chunk became fenced
blocks: the code as ```` ```r ```` (split at each expression that printed something), then
```` ```output ````, ```` ```warning ````, ```` ```error ```` blocks and ``<img>`` tags for
figures (in ``fig/`` beside it). This module finds each R chunk's code there, in order, and
takes what follows it as the chunk's outputs. A chunk that cannot be found (``echo=FALSE``,
or code changed since the rendering) is shown without output, as without R.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.execute import layout
from lessonkit.execute.engines import KNITR_DEFAULTS, engine_of
from lessonkit.markdown.fences import fence_end, open_fence
from lessonkit.model import Lesson, Output, Page

_INFO = re.compile(r"\{?\s*\.?([A-Za-z0-9_-]*)")
_IMG = re.compile(r"<img\b[^>]*>|!\[([^\]]*)\]\(([^)\s]+)[^)]*\)(\{[^}]*\})?")
_ATTR = re.compile(r"""(\w[\w-]*)\s*=\s*("([^"]*)"|'([^']*)')""")
_CAPTION = re.compile(r'<p class="caption">(.*?)</p>', re.S)
KINDS = {"output": "stdout", "warning": "warning", "error": "error", "message": "message"}


@dataclass
class Piece:
    kind: str  # code | stdout | warning | error | message | image | text
    text: str = ""
    src: str = ""
    alt: str = ""
    caption: str = ""


@dataclass
class Rendered:
    folder: Path


def load(lesson: Lesson, folder: Path | None, diagnostics: Report) -> Rendered | None:
    if folder is None:
        return None
    folder = Path(folder)
    if not folder.is_dir():
        diagnostics.warning(str(folder), 0, "prerendered-missing",
                            f"--prerendered {folder} is not a folder: R chunks are shown without output",
                            "Point --prerendered at the lesson's site/built folder, or at a checkout of its "
                            "md-outputs branch (git worktree add ../md-outputs md-outputs).")
        return None
    return Rendered(folder)


def pieces(text: str) -> list[Piece]:
    """The rendered Markdown as a sequence of code, output and figure pieces (prose as "text")."""
    found: list[Piece] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = open_fence(line)  # the one fence definition (markdown/fences.py)
        if fence:
            info = _INFO.match(fence.info.strip()).group(1).lower()
            end = fence_end(lines, fence, index + 1)
            body = lines[index + 1:end if end is not None else len(lines)]
            index = (end if end is not None else len(lines)) + 1
            content = "\n".join(body)
            if info == "r":
                found.append(Piece("code", content))
            elif info in KINDS:
                found.append(Piece(KINDS[info], content))
            else:
                found.append(Piece("text", content))
            continue
        stripped = line.strip()
        images = list(_IMG.finditer(stripped))
        if images:
            for image in images:
                if image.group(0).startswith("<img"):
                    attrs = {a.group(1).lower(): a.group(3) if a.group(3) is not None else a.group(4)
                             for a in _ATTR.finditer(image.group(0))}
                    found.append(Piece("image", src=attrs.get("src", ""), alt=unescape(attrs.get("alt", ""))))
                else:
                    alt = image.group(1)
                    extra = image.group(3) or ""
                    alt_attr = re.search(r"""alt\s*=\s*['"]([^'"]*)['"]""", extra)
                    found.append(Piece("image", src=image.group(2), alt=alt_attr.group(1) if alt_attr else "",
                                       caption=alt))
        elif (caption := _CAPTION.search(stripped)) and found and found[-1].kind == "image":
            found[-1].caption = unescape(re.sub(r"<[^>]+>", "", caption.group(1)))
        elif stripped and not stripped.startswith(("<div", "</div", "<p class=\"caption")):
            found.append(Piece("text", stripped))
        index += 1
    return found


def _norm(code: str) -> list[str]:
    return [line.strip() for line in code.split("\n") if line.strip()]


def apply(page: Page, rendered: Rendered, diagnostics: Report) -> bool:
    """Give the page's R chunks the outputs sandpaper rendered; whether the page was found."""
    path = rendered.folder / f"{Path(page.source).stem}.md"
    if not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    items = pieces(text)
    position = 0
    for chunk in page.chunks():
        if engine_of(chunk) != "r" or chunk.option("include") is False or chunk.option("echo") is False:
            continue
        wanted = _norm(chunk.code)
        if not wanted:
            continue
        start = next((i for i in range(position, len(items))
                      if items[i].kind == "code" and _norm(items[i].text)[:1] == wanted[:1]), None)
        if start is None:
            continue
        matched: list[str] = []
        outputs: list[Output] = []
        index = start
        while index < len(items):
            piece = items[index]
            if piece.kind == "code":
                lines = _norm(piece.text)
                if len(matched) >= len(wanted) or wanted[len(matched):len(matched) + len(lines)] != lines:
                    break
                matched.extend(lines)
                outputs.append(Output("source", piece.text))
            elif piece.kind == "image":
                data = _image(rendered.folder, piece.src)
                if data is not None:
                    mime = "image/svg+xml" if piece.src.lower().endswith(".svg") else "image/png"
                    outputs.append(Output("image", mime=mime, data=data, alt=piece.alt, caption=piece.caption))
            elif piece.kind in KINDS.values():
                outputs.append(Output(piece.kind, piece.text, caption=piece.text if piece.kind == "error" else ""))
            else:
                break
            index += 1
        if matched != wanted:
            continue
        options = {**KNITR_DEFAULTS, **chunk.options}
        chunk.outputs = layout.arrange(chunk, "r", options, outputs)
        position = index
    return True


def _image(folder: Path, src: str) -> bytes | None:
    if not src or "://" in src or src.startswith("/"):
        return None
    path = (folder / src).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None
