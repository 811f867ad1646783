"""Downloadable versions of an executable episode: a Jupyter notebook and a plain script."""

from __future__ import annotations

import json

from lessonkit.execute.engines import PYTHON
from lessonkit.execute.outputs import to_jupyter
from lessonkit.model import BLOCKS, Block, CodeChunk, Markdown, Node, Page


def is_executable(page: Page) -> bool:
    return page.has_chunks and any(c.engine in PYTHON for c in page.chunks())


def _markdown_cells(nodes: list[Node], cells: list[dict], depth: int = 0) -> None:
    for node in nodes:
        if isinstance(node, Markdown):
            _append_markdown(cells, node.text)
        elif isinstance(node, Block):
            spec = BLOCKS.get(node.kind)
            name = spec.title if spec and spec.title else node.kind.capitalize()
            heading = f"**{name}**" + (f": {node.title}" if node.title else "")
            _append_markdown(cells, "> " + heading)
            _markdown_cells(node.children, cells, depth + 1)
        elif isinstance(node, CodeChunk):
            if node.engine not in PYTHON:
                _append_markdown(cells, f"```{node.engine}\n{node.code}\n```")
                continue
            cells.append({
                "cell_type": "code",
                "metadata": {"tags": ["raises-exception"]} if node.option("error") is True else {},
                "execution_count": None,
                "outputs": [to_jupyter(o) for o in node.outputs],
                "source": node.code,
            })


def _append_markdown(cells: list[dict], text: str) -> None:
    text = text.strip("\n")
    if not text:
        return
    if cells and cells[-1]["cell_type"] == "markdown":
        cells[-1]["source"] += "\n\n" + text
    else:
        cells.append({"cell_type": "markdown", "metadata": {}, "source": text})


def notebook(page: Page, lesson_title: str) -> str:
    """The episode as a Jupyter notebook (nbformat 4 JSON), with the outputs of the build."""
    cells: list[dict] = [{"cell_type": "markdown", "metadata": {},
                          "source": f"# {page.title}\n\n*{lesson_title}*"}]
    _markdown_cells(page.body, cells)
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{number}"
    document = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def script(page: Page, lesson_title: str) -> str:
    """The episode's Python code as a script, one ``# %%`` cell per chunk."""
    lines = [f"# {page.title}", f"# From the lesson: {lesson_title}", ""]
    for chunk in page.chunks():
        if chunk.engine not in PYTHON:
            continue
        lines.append(f"# %% {chunk.label}" if chunk.label else "# %%")
        if chunk.option("eval", True) is False:
            lines.extend(f"# {line}" for line in chunk.code.split("\n"))
        else:
            lines.extend(chunk.code.split("\n"))
        lines.append("")
    return "\n".join(lines)
