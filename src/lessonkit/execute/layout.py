"""What a chunk shows, in order, after knitr's options: the items the page renders.

A chunk laid out here has, as its first output, a ``knitr`` marker Output whose text is a
small JSON object of display settings (``out.width``); its other outputs are, in order:

* ``source``: a segment of the chunk's code (knitr shows code and output interleaved,
  one segment per expression that printed something);
* ``stdout`` (OUTPUT), ``message`` (OUTPUT, as the Workbench shows messages),
  ``warning`` (WARNING), ``error`` (ERROR);
* ``markdown``: ``results='asis'`` text and ``knitr::kable`` tables, rendered as Markdown;
* ``image``, with the chunk's ``fig.alt`` and ``fig.cap``; ``html`` and ``text`` from Python.

The site renders these items as they come (:func:`items`), so that what is shown is
decided in one place, here, for fresh and cached runs alike.
"""

from __future__ import annotations

import json
import re

from lessonkit.model import CodeChunk, Output

MARKER = "knitr"
TEXT_KINDS = ("stdout", "text")
_WIDTH = re.compile(r"^\d+(\.\d+)?(%|px|em|rem)?$")


def _truthy(value) -> bool:
    return value is not False and value is not None and value != 0


def arrange(chunk: CodeChunk, engine: str, options: dict, raw: list[Output]) -> list[Output]:
    settings: dict = {}
    width = options.get("out.width")
    if isinstance(width, int | float) or (isinstance(width, str) and _WIDTH.match(width.strip())):
        width = str(width).strip()
        settings["out.width"] = width if not width.replace(".", "").isdigit() else f"{width}px"
    marker = Output(MARKER, json.dumps(settings, sort_keys=True))
    if options.get("include") is False:
        return [marker]
    comment = options.get("comment")
    comment = "" if comment in (None, False, "NA") else str(comment)
    results = str(options.get("results") or "markup")
    echo = _truthy(options.get("echo", True))
    items: list[Output] = []
    if options.get("eval") is False or not raw:
        raw = [Output("source", chunk.code)]
    for output in raw:
        kind = output.kind
        if kind == "source":
            if not echo:
                continue
        elif kind in TEXT_KINDS:
            if results == "hide":
                continue
            if results == "asis":
                output = Output("markdown", output.text, mime="text/markdown")
            elif comment:
                output = Output(kind, _prefix(output.text, comment))
        elif kind in ("markdown", "html"):
            if results == "hide":
                continue
        elif kind == "message" or kind == "stderr":
            if options.get("message") is False or (kind == "stderr" and options.get("warning") is False):
                continue
            if comment:
                output = Output(kind, _prefix(output.text, comment))
        elif kind == "warning":
            if options.get("warning") is False:
                continue
            if comment:
                output = Output(kind, _prefix(output.text, comment))
        elif kind == "image":
            output = Output("image", output.text, output.mime, output.data,
                            # knitr: fig.alt, else the caption (fig.cap) is the alternative text
                            alt=output.alt or str(options.get("fig.alt") or options.get("fig.cap") or ""),
                            caption=output.caption or str(options.get("fig.cap") or ""))
        items.append(output)
    if results == "hold":
        held = [o for o in items if o.kind in (*TEXT_KINDS, "markdown", "html")]
        items = [o for o in items if o not in held] + held
    if str(options.get("fig.show") or "") == "hold":
        figures = [o for o in items if o.kind == "image"]
        items = [o for o in items if o.kind != "image"] + figures
    if options.get("collapse") is True:
        items = _collapse(items, comment)
    return [marker, *_merge_sources(items)]


def _prefix(text: str, comment: str) -> str:
    lines = text.split("\n")
    trailing = lines and lines[-1] == ""
    body = [f"{comment} {line}" if line else comment for line in (lines[:-1] if trailing else lines)]
    return "\n".join(body) + ("\n" if trailing else "")


def _merge_sources(items: list[Output]) -> list[Output]:
    merged: list[Output] = []
    for item in items:
        if item.kind == "source" and merged and merged[-1].kind == "source":
            previous = merged[-1].text
            merged[-1] = Output("source", previous + ("" if previous.endswith("\n") else "\n") + item.text)
        else:
            merged.append(item)
    return merged


def _collapse(items: list[Output], comment: str) -> list[Output]:
    """knitr's collapse=TRUE: code and its text output in one block."""
    out: list[Output] = []
    for item in items:
        if item.kind in ("source", *TEXT_KINDS, "message", "warning") and out and out[-1].kind == "source":
            previous = out[-1].text
            text = item.text
            out[-1] = Output("source", previous + ("" if previous.endswith("\n") else "\n") + text)
        elif item.kind == "source":
            out.append(Output("source", item.text))
        else:
            out.append(item)
    return out


def laid_out(chunk: CodeChunk) -> bool:
    return bool(chunk.outputs) and any(o.kind == MARKER for o in chunk.outputs[:2])


def items(chunk: CodeChunk) -> list[Output] | None:
    """What the page shows for a chunk laid out here, in order (None: not laid out here)."""
    if not laid_out(chunk):
        return None
    return [o for o in chunk.outputs if o.kind not in (MARKER, "inline")]


def settings(chunk: CodeChunk) -> dict:
    for output in chunk.outputs[:2]:
        if output.kind == MARKER:
            try:
                value = json.loads(output.text or "{}")
            except ValueError:
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def inline_values(chunks: list[CodeChunk]) -> dict[str, list[str]]:
    """Values of the page's inline R expressions (kept with its first chunk)."""
    if not chunks or not chunks[0].outputs or chunks[0].outputs[0].kind != "inline":
        return {}
    try:
        value = json.loads(chunks[0].outputs[0].text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def language(chunk: CodeChunk) -> str:
    """The language the chunk's code is written in (``engine="sh"`` in an R chunk is shell)."""
    from lessonkit.execute.engines import engine_of

    return engine_of(chunk)
