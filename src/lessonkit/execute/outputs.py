"""Jupyter outputs (nbformat) to the lesson model's :class:`~lessonkit.model.Output` and back."""

from __future__ import annotations

import base64
import re

from lessonkit.model import Output

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
IMAGE_TYPES = ("image/png", "image/svg+xml", "image/jpeg")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def from_jupyter(output: dict) -> Output | None:
    """One nbformat output as a model Output (None for outputs we do not show)."""
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name", "stdout")
        return Output("stderr" if name == "stderr" else "stdout", _text(output.get("text", "")))
    if kind in ("execute_result", "display_data"):
        data = output.get("data", {})
        for mime in IMAGE_TYPES:
            if mime in data:
                raw = _text(data[mime])
                payload = raw.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(raw)
                return Output("image", mime=mime, data=payload)
        if "text/html" in data:
            return Output("html", _text(data["text/html"]), mime="text/html")
        if "text/markdown" in data:
            return Output("markdown", _text(data["text/markdown"]), mime="text/markdown")
        if "text/plain" in data:
            return Output("text", _text(data["text/plain"]))
        return None
    if kind == "error":
        trace = "\n".join(strip_ansi(line) for line in output.get("traceback", []))
        if not trace.strip():
            trace = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        return Output("error", trace, mime="text/plain",
                      caption=f"{output.get('ename', 'Error')}: {strip_ansi(str(output.get('evalue', '')))}")
    return None


def to_jupyter(output: Output) -> dict:
    """A model Output as an nbformat (v4) output, for downloadable notebooks."""
    if output.kind in ("stdout", "stderr"):
        return {"output_type": "stream", "name": output.kind, "text": output.text}
    if output.kind == "error":
        name, _, value = output.caption.partition(": ")
        return {"output_type": "error", "ename": name or "Error", "evalue": value,
                "traceback": output.text.split("\n")}
    if output.kind == "image":
        data = output.data or b""
        encoded = data.decode("utf-8") if output.mime == "image/svg+xml" else base64.b64encode(data).decode("ascii")
        return {"output_type": "display_data", "data": {output.mime: encoded, "text/plain": "<figure>"},
                "metadata": {}}
    mime = {"html": "text/html", "markdown": "text/markdown"}.get(output.kind, "text/plain")
    return {"output_type": "display_data", "data": {mime: output.text}, "metadata": {}}
