"""R Markdown lessons of the shared corpus, built with R for real (IRkernel from Debian)."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions, BuildResult
from lessonkit.execute import ExecutionOptions
from testsupport import CORPUS, gapminder_first_episodes, writable_corpus_copy

pytestmark = pytest.mark.corpus


def copy_lesson(name: str, target: Path) -> Path:
    """A writable copy of a corpus lesson (the corpus itself is read-only)."""
    lesson = writable_corpus_copy(name, target)
    assert lesson is not None, f"the corpus lesson {name} is missing from {CORPUS}"
    return lesson


def build(lesson: Path, out: Path) -> BuildResult:
    return Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions())).build()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".lessonkit" not in p.parts}


def code_blocks(page: Path) -> list[tuple[str, str]]:
    found = []
    for block in Document.load(page).find("div", cls="page-body").find_all("div", cls="code"):
        label = block.find("span", cls="code-label")
        found.append((label.text() if label else "", block.find("pre").raw_text()))
    return found


def test_workbench_rmd_template_draws_its_figure_with_alt_text_and_caption(tmp_path: Path):
    lesson = copy_lesson("carpentries__workbench-template-rmd", tmp_path / "lesson")
    before = tree(lesson)
    first = build(lesson, tmp_path / "site")
    assert first.ok, [d.format() for d in first.diagnostics if d.severity >= 2]
    assert first.execution.cells_executed == 1
    page = Document.load(tmp_path / "site/introduction.html")
    figure = page.find("figure", cls="chunk-figure")
    img = figure.find("img")
    assert img.attrs["alt"] == "pie chart illusion of a pyramid"
    assert figure.find("figcaption").text() == "Sun arise each and every morning"
    png = (tmp_path / "site" / img.attrs["src"]).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 2000  # a drawn pie, not an empty image
    assert "R" in [label for label, _ in code_blocks(tmp_path / "site/introduction.html")]
    second = build(lesson, tmp_path / "site")
    assert second.ok and second.execution.cells_executed == 0
    third = build(lesson, tmp_path / "site2")  # another output folder: the page is rebuilt, its code is not run
    assert third.ok and third.execution.cells_executed == 0 and third.execution.cells_cached == 1
    assert tree(lesson) == before  # the source lesson is byte-for-byte unchanged


def test_r_novice_gapminder_first_episodes_print_their_values(tmp_path: Path):
    lesson = gapminder_first_episodes(tmp_path / "lesson")
    assert lesson is not None, f"the corpus lesson swcarpentry__r-novice-gapminder is missing from {CORPUS}"
    before = tree(lesson)
    result = build(lesson, tmp_path / "site")
    assert result.ok, [d.format() for d in result.diagnostics if d.severity >= 2]
    blocks = code_blocks(tmp_path / "site/01-rstudio-intro.html")

    def output_after(code: str) -> str:
        index = next(i for i, (label, text) in enumerate(blocks) if label == "R" and text.startswith(code))
        return blocks[index + 1][1]

    assert output_after("1 + 100") == "[1] 101"
    assert output_after("2/10000") == "[1] 2e-04"
    assert output_after("sin(1)") == "[1] 0.841471"
    assert ("Error", "Error in rm(list <- ls()): ... must contain names or character strings") in blocks
    text = Document.load(tmp_path / "site/01-rstudio-intro.html").find("div", cls="page-body").text()
    # inline `r mass` and `r age`, each evaluated where it stands in the episode
    assert "This will give a value of 47.5 for the variable mass" in text
    assert "This will give a value of 122 for the variable age" in text
    assert "`r " not in text
    shell = code_blocks(tmp_path / "site/02-project-intro.html")
    index = next(i for i, (label, code) in enumerate(shell) if code == "wc -l data/gapminder_data.csv")
    assert shell[index][0] == "Bash" and shell[index + 1] == ("Output", "12 data/gapminder_data.csv")
    assert tree(lesson) == before
    assert os.listdir(lesson / "episodes/data") == ["gapminder_data.csv"]


def gapminder_episodes(target: Path, episodes: list[str]) -> Path:
    """swcarpentry__r-novice-gapminder cut to ``episodes``, with ``fail_on_error: false`` (what sandpaper does
    when it is not set: these episodes fail on purpose in chunks without error=TRUE) and a small gapminder-like
    table of our own (made-up numbers; the corpus ships no data files) in episodes/data/."""
    lesson = copy_lesson("swcarpentry__r-novice-gapminder", target)
    config = lesson / "config.yaml"
    config.write_text(re.sub(r"episodes: *\n(- .*\n)+", "episodes:\n" + "".join(f"- {e}\n" for e in episodes),
                             config.read_text()) + "\nfail_on_error: false\n")
    for extra in lesson.glob("episodes/*.Rmd"):
        if extra.name not in episodes:
            extra.unlink()
    (lesson / "episodes/data").mkdir(exist_ok=True)
    countries = [("Testland", "Asia"), ("Sampleia", "Europe"), ("Argentina", "Americas"), ("Canada", "Americas"),
                 ("Examplestan", "Africa"), ("Modelia", "Oceania")]
    with open(lesson / "episodes/data/gapminder_data.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["country", "year", "pop", "continent", "lifeExp", "gdpPercap"])
        for n, (country, continent) in enumerate(countries):
            writer.writerows([[country, 1952 + 5 * i, 1_000_000 * (n + 1) + 10_000 * i, continent,
                               40 + 3 * n + 0.5 * i, 500 * (n + 1) + 120 * i] for i in range(12)])
    return lesson


def test_r_novice_gapminder_data_structures_and_ggplot2_episodes(tmp_path: Path):
    """Two more episodes of a real R lesson: one that writes and reads its own data file and fails on purpose
    (shown as sandpaper shows it, with fail_on_error: false), one that draws 19 ggplot2 figures."""
    lesson = gapminder_episodes(tmp_path / "lesson", ["04-data-structures-part1.Rmd", "08-plot-ggplot2.Rmd"])
    before = tree(lesson)
    result = build(lesson, tmp_path / "site")
    assert result.ok, [d.format() for d in result.diagnostics if d.severity >= 2]
    assert result.execution.cells_executed > 60
    errors = [(d.path, d.line, d.severity.name) for d in result.diagnostics if d.rule == "chunk-error"]
    assert errors == [("episodes/04-data-structures-part1.Rmd", line, "WARNING") for line in (136, 187, 664)]
    blocks = code_blocks(tmp_path / "site/04-data-structures-part1.html")
    index = blocks.index(("R", 'cats <- read.csv(file = "data/feline-data.csv")\ncats'))
    assert blocks[index + 1] == ("Output", "    coat weight likes_catnip\n1 calico    2.1            1\n"
                                           "2  black    5.0            0\n3  tabby    3.2            1")
    assert ("Error", "Error in cats$weight + cats$coat: non-numeric argument to binary operator") in blocks
    page = Document.load(tmp_path / "site/08-plot-ggplot2.html")
    figures = page.find_all("figure", cls="chunk-figure")
    assert len(figures) == 19
    sizes = []
    for figure in figures:
        png = (tmp_path / "site" / figure.find("img").attrs["src"]).read_bytes()
        assert png.startswith(b"\x89PNG")
        sizes.append(len(png))
    # the first is the episode's blank ggplot() on purpose; the others are drawn plots (points, lines, facets)
    assert sizes[0] < 2000 and min(sizes[1:]) > 4000 and max(sizes) > 20000, sizes
    alts = [f.find("img").attrs["alt"] for f in figures]
    assert alts[2] == "Scatter plot of life expectancy vs GDP per capita, now showing the data points."
    # knitr's rule: without fig.alt, the caption is the alternative text (and no warning is given)
    captioned = next(f for f in figures if f.find("figcaption"))
    assert captioned.find("img").attrs["alt"] == captioned.find("figcaption").text().strip() != ""
    unlabelled = {d.line for d in result.diagnostics if d.rule == "figure-alt-missing"}
    assert 121 not in unlabelled and 162 in unlabelled  # ch1-sol has fig.cap; lifeExp-line has neither
    assert tree(lesson) == before  # data/feline-data.csv and results/lifeExp.png were written in the build copy
    assert not (lesson / "episodes/results").exists() and not (lesson / "episodes/data/feline-data.csv").exists()
