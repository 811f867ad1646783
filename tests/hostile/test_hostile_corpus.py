"""The hostile-lesson corpus (#11): every lesson here is built AND checked by the command line
in a subprocess under a memory limit, a CPU limit and a timeout (hostilesupport). Each must
end with a diagnostic at the right file:line (or, for lessons that are merely heavy, a clean
result), exit 0 or 1, and never a traceback, an internal error or a blown limit.

The lessons are made at run time (a 200 MB episode is a sparse file, so it costs no disk)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostilesupport import EPISODE, build, check, diagnosed, make_lesson


def episode(body: str, front: str = "") -> str:
    return f"---\ntitle: Hostile\nteaching: 5\nexercises: 0\n{front}---\n\n{body}\n"


def bomb(levels: int = 9, width: int = 9) -> str:
    text = "l0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for level in range(1, levels + 1):
        text += f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]\n"
    return text


def styles_lesson(root: Path, body: str) -> Path:
    (root / "_episodes").mkdir(parents=True)
    (root / "_config.yml").write_text("title: Hostile styles lesson\n")
    (root / "_episodes" / "01-intro.md").write_text(f"---\ntitle: Intro\n---\n\n{body}\n")
    return root


def nested_kramdown(depth: int) -> str:
    lines = ["> " * depth + "text"]
    for level in range(depth - 1, -1, -1):
        lines.append("> " * level + "{: .callout}")
    return "\n".join(lines)


def sparse_episode(root: Path) -> Path:
    lesson = make_lesson(root)
    with open(lesson / "episodes/intro.md", "r+b") as handle:
        handle.truncate(200 * 2**20)  # 200 MB of holes: no disk, no memory, until someone reads it
    return lesson


def leak(root: Path) -> Path:
    lesson = make_lesson(root, {"episodes/fig/ok.png": b"png"})
    os.symlink("/proc/self/environ", lesson / "episodes/fig/environ.txt")
    os.symlink("/etc", lesson / "episodes/files")
    return lesson


def children(root: Path) -> Path:
    """A document that includes itself, and a fan-out of 4 x 4 x 4 x 4 x 4 includes."""
    files = {"episodes/intro.Rmd": episode("```{r, child='intro.Rmd'}\n```\n\n```{r, child='f1.Rmd'}\n```")}
    for level in range(1, 6):
        body = "\n\n".join([f"```{{r, child='f{level + 1}.Rmd'}}\n```"] * 4) if level < 5 else "leaf"
        files[f"episodes/f{level}.Rmd"] = f"---\n---\n\n{body}\n"
    return make_lesson(root, files, episodes=["intro.Rmd"])


@dataclass
class Hostile:
    name: str
    make: Callable[[Path], Path]
    location: str | None  # where the diagnostic must be (None: the lesson is heavy, not wrong)
    rule: str | None
    checked: bool = True  # also run ``lessonkit check``
    fails: bool = True  # an error (exit 1), not only a warning


CORPUS = [
    Hostile("alias-bomb-config", lambda r: make_lesson(r, {"config.yaml": "title: Bomb\nepisodes:\n- intro.md\n"
                                                                          + bomb()}),
            "config.yaml:4", "yaml-aliases"),
    Hostile("alias-bomb-front-matter", lambda r: make_lesson(r, {"episodes/intro.md": episode("Text.", bomb())}),
            "episodes/intro.md:5", "yaml-aliases"),
    Hostile("alias-self-reference", lambda r: make_lesson(r, {"episodes/intro.md": episode("x", "a: &a [1, *a]\n")}),
            "episodes/intro.md:5", "yaml-aliases"),
    Hostile("alias-bomb-chunk-options", lambda r: make_lesson(
        r, {"episodes/intro.md": episode("```{python}\n" + "".join("#| " + line + "\n" for line in bomb().splitlines())
                                         + "1 + 1\n```")}),
            "episodes/intro.md:7", "chunk-options", fails=False),
    Hostile("yaml-deep-nesting", lambda r: make_lesson(r, {"episodes/intro.md": episode("x", "a: " + "[" * 20000
                                                                                     + "]" * 20000 + "\n")}),
            "episodes/intro.md:5", "yaml-syntax"),
    Hostile("child-self", children, "episodes/intro.Rmd:7", "chunk-child"),
    Hostile("child-fan-out", children, "episodes/f4.Rmd:13", "chunk-child"),  # the 65th inclusion
    Hostile("nested-fenced-divs", lambda r: make_lesson(
        r, {"episodes/intro.md": episode("::: callout\n" * 10000 + "text\n" + ":::\n" * 10000)}),
            "episodes/intro.md:39", "block-too-deep"),
    Hostile("nested-kramdown-quotes", lambda r: styles_lesson(r, nested_kramdown(600)),
            "_episodes/01-intro.md:5", "block-too-deep"),
    Hostile("episode-of-200-MB", sparse_episode, "episodes/intro.md", "file-too-large"),
    Hostile("backticks", lambda r: make_lesson(r, {"episodes/intro.md": episode("`" * 200_000)}), None, None),
    Hostile("heading-spaces", lambda r: make_lesson(r, {"episodes/intro.md": episode("## a" + " " * 200_000 + "b")}),
            None, None),
    Hostile("table-spaces", lambda r: make_lesson(r, {"episodes/intro.md": episode("| a |\n|-" + " " * 200_000 + "x")}),
            None, None),
    Hostile("div-fence-spaces", lambda r: make_lesson(
        r, {"episodes/intro.md": episode("::: callout" + " " * 200_000 + "x\n\ntext\n\n:::")}), None, None),
    Hostile("html-links", lambda r: make_lesson(r, {"episodes/intro.md": episode("<a href='x' " * 20_000)}),
            None, None),
    Hostile("symlinks-out", leak, "episodes/fig/environ.txt", "path-outside-lesson"),
    Hostile("config-javascript-url", lambda r: make_lesson(
        r, {"config.yaml": "title: J\nepisodes:\n- intro.md\nsource: 'javascript:alert(1)'\n"}),
            "config.yaml:4", "config-url"),
    Hostile("maths-raw-html", lambda r: make_lesson(
        r, {"episodes/intro.md": episode("$\\unicode{<script>alert(1)</script>}$ $\\href{javascript:x}{y}$")}),
            None, None),
    Hostile("config-entry-out", lambda r: make_lesson(r, episodes=["intro.md", "../../../../etc/passwd"]),
            "config.yaml:6", "path-outside-lesson"),
    Hostile("theme-template-runs-code", lambda r: make_lesson(r, {
        "config.yaml": "title: T\ntheme: t\nepisodes:\n- intro.md\n",
        "t/templates/footer.html": "{{ cycler.__init__.__globals__.os.system('kill -9 $PPID') }}\n"}),
            "t/templates/footer.html:1", "theme-template", checked=False),  # check renders no template
]


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_hostile_lesson_is_built_and_checked_within_limits(tmp_path: Path, case: Hostile):
    lesson = case.make(tmp_path / "lesson")
    out = tmp_path / "out"
    built = build(lesson, out)
    checked = check(lesson) if case.checked else None
    if case.rule is None:
        assert built.returncode in (0, 1) and "Built" in built.output, built.output[-3000:]
        assert checked is None or checked.returncode in (0, 1)
        pages = "".join(p.read_text(errors="replace") for p in out.glob("*.html"))
        assert "<script>alert" not in pages and "javascript:" not in pages
        return
    assert built.returncode == int(case.fails), built.output[-3000:]
    assert diagnosed(built, case.location, case.rule), built.output[-3000:]
    assert out.exists() != case.fails
    if checked is not None:
        assert checked.returncode == int(case.fails), checked.output[-3000:]
        assert diagnosed(checked, case.location, case.rule), checked.output[-3000:]


def test_the_corpus_lessons_are_well_formed_apart_from_their_hostility(tmp_path: Path):
    """The helper lesson itself builds cleanly (so each case's diagnostic comes from its hostility)."""
    lesson = make_lesson(tmp_path / "lesson")
    assert EPISODE.format(title="intro.md") in (lesson / "episodes/intro.md").read_text()
    assert build(lesson, tmp_path / "out").returncode == 0


def test_the_limits_bite(monkeypatch):
    """The limits the corpus runs under are real: a run that needs more memory, or more CPU, than a normal
    lesson is stopped, and the peak memory a run used is measured (so the peak check can fail)."""
    import signal
    import sys

    import hostilesupport

    greedy = hostilesupport._run_limited([sys.executable, "-c", "x = bytearray(600 * 2**20)"], None, dict(os.environ))
    assert greedy.returncode == 1 and "MemoryError" in greedy.stderr
    touched = hostilesupport._run_limited(
        [sys.executable, "-c", "x = bytearray(250 * 2**20)\nfor i in range(0, len(x), 4096): x[i] = 1"],
        None, dict(os.environ))
    assert touched.returncode == 0 and touched.peak_rss_bytes >= 250 * 2**20 > hostilesupport.PEAK_RSS_BYTES
    ballast = bytearray(300 * 2**20)  # a big test process: a run's peak memory must not include it
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    tiny = hostilesupport._run_limited([sys.executable, "-c", "pass"], None, dict(os.environ))
    assert tiny.returncode == 0 and tiny.peak_rss_bytes < 100 * 2**20
    del ballast
    monkeypatch.setattr(hostilesupport, "CPU_SECONDS", 1)
    spinning = hostilesupport._run_limited([sys.executable, "-c", "while True: pass"], None, dict(os.environ))
    assert spinning.returncode == -signal.SIGXCPU and spinning.cpu_seconds > 0.5
