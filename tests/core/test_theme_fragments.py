"""The HTML of the pages that gather the lesson and of a page body's parts are templates a theme overrides."""

from __future__ import annotations

import shutil
from pathlib import Path

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from testsupport import FIXTURES

OVERRIDES = {
    "aggregates/key-points.html": '<article class="our-kp" id="our-{{ slug }}">{{ keypoints|safe }}</article>',
    "aggregates/figures.html": '<article class="our-figures">{% for figure in figures %}'
                               '<p class="our-figure-number">{{ loop.index }}</p>{{ figure.html|safe }}'
                               "{% endfor %}</article>",
    "aggregates/aio-episode.html": '<article class="our-aio" id="{{ prefix }}">{{ body|safe }}</article>',
    "aggregates/profile.html": '<article class="our-profile">{{ title|safe }}</article>',
    "aggregates/page.html": '<div class="our-gathered {{ name }}">{{ sections|safe }}</div>',
    "footnotes.html": '<aside class="our-footnotes">{% for note in notes %}{{ note.content|safe }}{% endfor %}'
                      "</aside>",
    "blocks/div.html": '<section class="our-div" data-attributes="{{ attributes }}">{{ content|safe }}</section>',
}

EPISODE = """---
title: Counting cells
---

Cells are counted in a grid.[^grid]

![A counting grid](fig/grid.svg)

::: sidebar
A div that is not a lesson block.
:::

::: keypoints
- Count the cells.
:::

[^grid]: The grid has nine squares.
"""


def test_a_theme_overrides_the_gathering_pages_and_the_body_parts(tmp_path: Path):
    theme = tmp_path / "our-theme"
    for name, text in OVERRIDES.items():
        (theme / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (theme / "templates" / name).write_text(text)
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    (lesson / "config.yaml").write_text((lesson / "config.yaml").read_text() + f"theme: '{theme}'\n")
    (lesson / "episodes/counting-cells.md").write_text(EPISODE)
    result = Builder(lesson, BuildOptions(out=tmp_path / "out",
                                          execution=ExecutionOptions(enabled=False))).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    out = tmp_path / "out"

    key_points = Document.load(out / "key-points.html")
    assert key_points.find("div", cls="our-gathered") is not None
    assert key_points.find("article", cls="our-kp").attrs["id"] == "our-counting-cells"
    assert "Count the cells." in key_points.find("article", cls="our-kp").text()

    figures = Document.load(out / "images.html").find("article", cls="our-figures")
    assert figures.find("p", cls="our-figure-number").text() == "1"
    assert figures.find("img").attrs["alt"] == "A counting grid"

    aio = Document.load(out / "aio.html")
    assert aio.find("article", cls="our-aio").attrs["id"].startswith("aio-")
    assert aio.find("section", cls="aio-episode") is None

    assert Document.load(out / "profiles.html").find("article", cls="our-profile") is not None

    episode = Document.load(out / "counting-cells.html")
    assert "The grid has nine squares." in episode.find("aside", cls="our-footnotes").text()
    assert episode.find("section", cls="footnotes") is None
    div = episode.find("section", cls="our-div")
    assert "A div that is not a lesson block." in div.text() and 'class="sidebar"' in div.attrs["data-attributes"]
