"""Downloadable versions of an executable episode: a Jupyter notebook and a plain script."""

from __future__ import annotations

import json
from pathlib import Path

from lessonkit.execute.engines import PYTHON
from lessonkit.execute.outputs import to_jupyter
from lessonkit.model import BLOCKS, Block, CodeChunk, Markdown, Node, Page


def is_executable(page: Page) -> bool:
    """A page of Python chunks (offered as a notebook and a script). A page that mixes R and
    Python chunks is an R Markdown episode (offered as .Rmd and .R)."""
    from lessonkit.execute.engines import engine_of

    if not page.has_chunks:
        return False
    engines = {engine_of(c) for c in page.chunks()}
    return "python" in engines and "r" not in engines


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


# -- R episodes: the .Rmd itself, its purled .R script, and the lesson's code handout ---------

def is_r_page(page: Page) -> bool:
    """An episode whose chunks are R (knitr) chunks: offered as .Rmd and .R downloads."""
    from lessonkit.execute.engines import engine_of

    return page.has_chunks and not is_executable(page) and any(engine_of(c) == "r" for c in page.chunks())


def _in_solution(page: Page) -> set[int]:
    """ids of the chunks inside solution (and hint) blocks."""
    return {id(node) for node, parents in page.walk()
            if isinstance(node, CodeChunk) and any(p.kind in ("solution", "hint") for p in parents)}


def purl(page: Page, lesson_title: str, solutions: bool = True, header: bool = True) -> str:
    """The episode's R code as knitr::purl writes it: one ``## ----label----`` line per chunk,
    ``eval=FALSE`` chunks commented out, ``purl=FALSE`` chunks and other engines left out."""
    from lessonkit.execute.engines import engine_of

    skip = set() if solutions else _in_solution(page)
    lines = [f"# {page.title}", f"# From the lesson: {lesson_title}", ""] if header else []
    for chunk in page.chunks():
        if engine_of(chunk) != "r" or chunk.option("purl", True) is False or id(chunk) in skip:
            continue
        if chunk.option("child"):
            continue
        title = f"## ----{chunk.label or ''}"
        lines.append(title + "-" * max(4, 78 - len(title)))
        if chunk.option("eval", True) is False:
            lines.extend(f"# {line}" if line else "#" for line in chunk.code.split("\n"))
        else:
            lines.extend(chunk.code.split("\n"))
        lines.append("")
    return "\n".join(lines) + "\n"


def handout(pages: list[Page], lesson_title: str) -> str:
    """The Workbench's ``files/code-handout.R``: every episode's purled R code, without the
    code of solutions (learners type along and try the exercises themselves)."""
    parts = [f"# Code handout: {lesson_title}",
             "# The R code of every episode, in order; solutions to the exercises are left out.", ""]
    for page in pages:
        if not page.has_chunks:
            continue
        code = purl(page, lesson_title, solutions=False, header=False)
        if code.strip():
            parts.extend([f"# {'=' * 76}", f"# {page.title}", f"# {'=' * 76}", "", code])
    return "\n".join(parts)


def wants_handout(config_extra: dict) -> bool:
    value = config_extra.get("handout")
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def downloads(page: Page, lesson_title: str, source: Path | None = None) -> list[tuple[str, str, object]]:
    """The page's downloads: (file name under notebooks/, link label, function making the content).
    ``source`` is the page's file, offered as is for R Markdown episodes."""
    if is_executable(page):
        return [(f"{page.slug}.ipynb", "Jupyter notebook", lambda: notebook(page, lesson_title)),
                (f"{page.slug}.py", "Python script", lambda: script(page, lesson_title))]
    if is_r_page(page):
        found = []
        if source is not None and source.suffix.lower() == ".rmd" and source.is_file():
            found.append((f"{page.slug}.Rmd", "R Markdown", lambda: source.read_bytes()))
        found.append((f"{page.slug}.R", "R script", lambda: purl(page, lesson_title)))
        return found
    return []
