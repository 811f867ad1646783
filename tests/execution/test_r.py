"""R Markdown episodes run for real in IRkernel, with knitr's semantics; shell and Python
engines; the build copy; published files; the plain-data cache keyed on the R environment."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions, BuildResult
from lessonkit.execute import ExecutionOptions

FIXTURE = Path(__file__).parent / "fixtures" / "rlesson"


def build(lesson: Path, out: Path, **execution) -> BuildResult:
    return Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(**execution))).build()


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file (and folder) of a tree with the hash of its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(".lessonkit"):
            continue
        found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, BuildResult, dict[str, str]]:
    base = tmp_path_factory.mktemp("rlesson")
    lesson = base / "lesson"
    shutil.copytree(FIXTURE, lesson)
    before = tree_digest(lesson)
    result = build(lesson, base / "site")
    assert result.ok, [d.format() for d in result.diagnostics]
    return lesson, base / "site", result, before


def blocks(page: Document) -> list[tuple[str, str]]:
    """(label, text) of every code block of the page body, in order."""
    found = []
    for block in page.find("div", cls="page-body").find_all("div", cls="code"):
        label = block.find("span", cls="code-label")
        found.append((label.text() if label else "", block.find("pre").raw_text()))
    return found


def after(items: list[tuple[str, str]], code: str) -> tuple[str, str]:
    """The block that follows the code block containing ``code``."""
    index = next(i for i, (label, text) in enumerate(items) if code in text and label in ("R", "Python", "Bash"))
    return items[index + 1]


def test_source_lesson_is_byte_for_byte_unchanged(built):
    lesson, _, _, before = built
    assert tree_digest(lesson) == before
    assert not (lesson / "episodes/scratch.txt").exists() and not (lesson / "episodes/data/results").exists()


def test_chunks_of_an_episode_share_one_r_session_and_inline_code(built):
    _, site, _, _ = built
    page = Document.load(site / "knitr-options.html")
    text = page.find("div", cls="page-body").text()
    assert "the answer is 42 and the data has 3 rows; hidden is 41." in text
    assert "Now hidden is 7." in text  # each occurrence is evaluated where it stands
    html = (site / "knitr-options.html").read_text()
    assert "hidden_value" not in html  # include=FALSE ran and left no trace


def test_code_and_output_interleave_as_knitr_shows_them(built):
    _, site, _, _ = built
    items = blocks(Document.load(site / "knitr-options.html"))
    assert after(items, "x <- c(1.5, 2.5)") == ("Output", "#> [1] 1.5 2.5")  # comment set by opts_chunk$set
    assert after(items, "y <- x * 2") == ("Output", "#> [1] 3 5")
    assert ("R", "x <- c(1.5, 2.5)\nx") in items


def test_echo_eval_results_options(built):
    _, site, _, _ = built
    html = (site / "knitr-options.html").read_text()
    items = blocks(Document.load(site / "knitr-options.html"))
    assert ("Output", "#> code hidden, output shown") in items and 'cat("code hidden' not in html
    assert after(items, 'stop("this must never run")')[0] == "R"  # eval=FALSE: code, no output
    assert "Error" not in [label for label, _ in items[:6]]
    assert after(items, 'print("this text is hidden")')[0] == "R"  # results="hide"
    assert html.count("this text is hidden") == 1
    held = next(i for i, (_, text) in enumerate(items) if 'print("first")' in text)
    assert 'print("second")' in items[held][1]  # results="hold": all the code, then the output
    assert items[held + 1] == ("Output", '#> [1] "first"') and items[held + 2] == ("Output", '#> [1] "second"')
    body = Document.load(site / "knitr-options.html").find("div", cls="output-markdown")
    assert body.find("strong").text() == "bold from R"  # results="asis"


def test_messages_warnings_and_errors_are_labelled(built):
    _, site, result, _ = built
    items = blocks(Document.load(site / "knitr-options.html"))
    assert after(items, 'message("a message for you")') == ("Output", "#> a message for you")
    assert after(items, 'warning("careful now")') == ("Warning", "#> Warning: careful now")
    assert after(items, "sqrt(-1)") == ("Warning", "#> Warning in sqrt(-1): NaNs produced")
    assert after(items, 'log("a")') == ("Error", 'Error in log("a"): non-numeric argument to mathematical function')
    # warning=FALSE, message=FALSE: only the value is shown
    assert after(items, 'message("never shown")') == ("Output", '#> [1] "quiet chunk done"')
    assert not [d for d in result.diagnostics if d.rule == "chunk-error"]  # error=TRUE is not a failure


def test_collapse_puts_output_in_the_code_block(built):
    _, site, _, _ = built
    assert ("R", "1 + 1\n#> [1] 2") in blocks(Document.load(site / "knitr-options.html"))


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG")
    return struct.unpack(">II", data[16:24])


def test_figures_have_alt_text_caption_size_and_width(built):
    _, site, _, _ = built
    page = Document.load(site / "knitr-options.html")
    [figure] = page.find_all("figure", cls="chunk-figure")  # barplot + lines(): one figure, as knitr keeps
    img = figure.find("img")
    assert img.attrs["alt"] == "Bar chart of counts for sites A, B and C"
    assert figure.find("figcaption").text() == "Counts per site"
    assert img.attrs["style"] == "width: 50%"
    assert png_size((site / img.attrs["src"]).read_bytes()) == (400, 300)  # fig.width=4, fig.height=3, dpi=100


def test_kable_is_a_table(built):
    _, site, _, _ = built
    table = Document.load(site / "knitr-options.html").find("table")
    assert [th.text() for th in table.find_all("th")] == ["site", "count"]
    assert [td.text() for td in table.find_all("td")] == ["A", "3", "B", "4"]


def test_r_code_is_labelled_r(built):
    _, site, _, _ = built
    labels = {label for label, _ in blocks(Document.load(site / "knitr-options.html"))}
    assert "R" in labels and "S" not in labels


def test_shell_and_python_engines_and_unknown_engines(built):
    _, site, result, _ = built
    items = blocks(Document.load(site / "engines.html"))
    # engine="sh" in an R chunk runs in a shell, in the build copy's episodes folder, with its data
    assert after(items, 'echo "shell says hi') == ("Output", "shell says hi from episodes\ncounts.csv")
    assert items[0][0] == "Bash"
    assert after(items, "$BASH_VERSION") == ("Output", "bash")
    assert after(items, 'print(f"python kept {answer}")') == ("Output", "python kept 42")  # one Python session
    assert after(items, 'paste("R still here:"') == ("Output", '[1] "R still here: 4"')
    [unknown] = [d for d in result.diagnostics if d.rule == "chunk-engine"]
    assert (unknown.path, unknown.line) == ("episodes/engines.Rmd", 28) and "'sql'" in unknown.message
    assert items[-1] == ("SQL", "SELECT 1;")


def test_files_the_code_writes_and_the_page_links_are_published(built):
    _, site, _, _ = built
    assert (site / "data/results/out.csv").read_text() == '"a"\n1\n2\n3\n'
    link = next(a for a in Document.load(site / "files.html").find_all("a") if a.text() == "the results")
    assert link.attrs["href"] == "data/results/out.csv"
    assert not list(site.rglob("scratch.txt"))  # written, but no page links it


def test_warm_rebuild_runs_nothing_and_keeps_outputs_and_files(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    first = build(lesson, tmp_path / "site")
    assert first.ok and first.execution.cells_executed > 15
    first_html = (tmp_path / "site/knitr-options.html").read_text()
    second = build(lesson, tmp_path / "site2")
    assert second.ok and second.execution.cells_executed == 0
    assert second.execution.cells_cached == first.execution.cells_executed
    assert (tmp_path / "site2/knitr-options.html").read_text() == first_html
    assert (tmp_path / "site2/data/results/out.csv").is_file()
    assert [d.rule for d in second.diagnostics if d.rule == "chunk-engine"] == ["chunk-engine"]
    # The cache is plain data: no pickle anywhere.
    entries = list((lesson / ".lessonkit/exec").glob("*"))
    assert entries and not [p for p in entries if p.suffix == ".pickle"]
    # A data file the code reads runs that episode again, and only that one.
    (lesson / "episodes/data/counts.csv").write_text("site,count\nA,3\nB,4\nC,5\nD,6\n")
    third = build(lesson, tmp_path / "site3")
    assert third.execution.episodes_executed == 1
    assert "the data has 4 rows" in (tmp_path / "site3/knitr-options.html").read_text()


def test_r_environment_is_part_of_the_key(tmp_path: Path, monkeypatch):
    from lessonkit.execute import cache

    library = tmp_path / "rlib"
    (library / "fakepkg").mkdir(parents=True)
    (library / "fakepkg/DESCRIPTION").write_text("Package: fakepkg\nVersion: 1.0\n")
    monkeypatch.setattr(cache, "_r_installation", lambda folder: ["R version 4.2.2", str(library)])
    cache._R_SIGNATURES.clear()
    one = cache.r_signature("ir")
    (library / "fakepkg/DESCRIPTION").write_text("Package: fakepkg\nVersion: 1.1\n")
    cache._R_SIGNATURES.clear()
    two = cache.r_signature("ir")
    monkeypatch.setattr(cache, "_r_installation", lambda folder: ["R version 4.3.0", str(library)])
    cache._R_SIGNATURES.clear()
    three = cache.r_signature("ir")
    cache._R_SIGNATURES.clear()
    assert len({one, two, three}) == 3


def test_r_package_versions_are_remembered_until_a_package_folder_changes(tmp_path: Path, monkeypatch):
    """A no-change build must not read every DESCRIPTION file: the versions are kept in the cache folder
    under a stamp of the package folders, and an upgrade (which rewrites the folder) is still seen."""
    import os

    from lessonkit.execute import cache

    library, folder = tmp_path / "rlib", tmp_path / "cache"
    (library / "fakepkg").mkdir(parents=True)
    (library / "fakepkg/DESCRIPTION").write_text("Package: fakepkg\nVersion: 1.0\n")
    monkeypatch.setattr(cache, "_r_installation", lambda folder: ["R version 4.2.2", str(library)])
    cache._R_SIGNATURES.clear()
    first = cache.r_signature("ir", folder)
    read: list[str] = []
    monkeypatch.setattr(cache, "_r_version", lambda package: read.append(package) or "1.0")
    cache._R_SIGNATURES.clear()
    assert cache.r_signature("ir", folder) == first and read == []  # remembered: no DESCRIPTION read
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_r_installation", lambda folder: ["R version 4.2.2", str(library)])
    (library / "fakepkg/DESCRIPTION.new").write_text("Package: fakepkg\nVersion: 1.1\n")
    os.replace(library / "fakepkg/DESCRIPTION.new", library / "fakepkg/DESCRIPTION")  # as dpkg and R install
    stamp = os.stat(library / "fakepkg").st_mtime_ns
    os.utime(library / "fakepkg", ns=(stamp + 10**9, stamp + 10**9))  # a coarse clock may not move by itself
    cache._R_SIGNATURES.clear()
    assert cache.r_signature("ir", folder) != first
    cache._R_SIGNATURES.clear()


def test_r_installation_is_read_from_r(tmp_path: Path):
    from lessonkit.execute import cache

    lines = cache._r_installation(tmp_path)
    assert lines[0].startswith("R version 4.")
    assert any(Path(folder, "IRkernel", "DESCRIPTION").is_file() for folder in lines[1:])
    assert cache._r_installation(tmp_path) == lines  # remembered in the cache folder
    assert (tmp_path / "r-installation.msgpack").is_file()


def test_kernels_get_a_minimal_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_TEST_SECRET", "s3cr3t-token")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("LESSONKIT_PASS_ENV", "LESSONKIT_TEST_PASSED")
    monkeypatch.setenv("LESSONKIT_TEST_PASSED", "passed-on")
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    (lesson / "episodes/engines.Rmd").write_text(
        "---\ntitle: Env\nteaching: 1\nexercises: 0\n---\n\n"
        "```{r r-env}\ncat(sort(names(Sys.getenv())), sep = '\\n')\ncat(Sys.getenv('HOME'), '\\n')\n```\n\n"
        "```{python py-env}\nimport os\nprint(sorted(os.environ))\n```\n\n"
        "```{bash sh-env}\nenv | cut -d= -f1 | sort\n```\n")
    result = build(lesson, tmp_path / "site")
    assert result.ok, [d.format() for d in result.diagnostics if d.severity >= 2]
    html = (tmp_path / "site/engines.html").read_text()
    assert "LESSONKIT_TEST_SECRET" not in html and "GITHUB_TOKEN" not in html and "s3cr3t" not in html
    assert "LESSONKIT_TEST_PASSED" in html and "PATH" in html
    assert str(Path.home()) + " " not in html  # HOME is a private folder of the build copy
    assert "lessonkit-built-" in html


def test_no_execute_environment_variable(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LESSONKIT_NO_EXECUTE", "1")
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    result = build(lesson, tmp_path / "site")
    assert result.ok and result.execution.cells_executed == 0
    assert result.execution.disabled == "LESSONKIT_NO_EXECUTE=1" and result.execution.chunks >= 20
    assert Document.load(tmp_path / "site/knitr-options.html").find("figure", cls="chunk-figure") is None


def test_cli_summary_counts_chunks_and_help_explains_untrusted_builds(tmp_path: Path):
    import subprocess
    import sys

    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    command = [sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(tmp_path / "site")]
    env = {**os.environ, "LESSONKIT_NO_EXECUTE": "1"}
    skipped = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert skipped.returncode == 0
    assert "no chunk run (LESSONKIT_NO_EXECUTE=1)" in " ".join(skipped.stderr.split())
    helped = subprocess.run([sys.executable, "-m", "lessonkit", "build", "--help"], capture_output=True, text=True)
    text = " ".join(helped.stdout.split())
    assert "LESSONKIT_NO_EXECUTE" in text and "untrusted" in text


def test_r_episodes_are_offered_as_rmd_and_r_downloads(built):
    lesson, site, _, _ = built
    links = [a.attrs["href"] for a in Document.load(site / "knitr-options.html").find_all("a") if "download" in a.attrs]
    assert links == ["notebooks/knitr-options.Rmd", "notebooks/knitr-options.R"]
    assert (site / "notebooks/knitr-options.Rmd").read_bytes() == (lesson / "episodes/knitr-options.Rmd").read_bytes()
    script = (site / "notebooks/knitr-options.R").read_text()
    assert "## ----interleaved---" in script and "x <- c(1.5, 2.5)" in script
    assert '# stop("this must never run")' in script  # eval=FALSE: commented out, as knitr::purl does
    assert "not in the handout" not in script  # purl=FALSE
    # An episode mixing R, Python and shell chunks is an R Markdown episode too, with only its R code purled.
    mixed = (site / "notebooks/engines.R").read_text()
    assert 'paste("R still here:"' in mixed and "answer = 6 * 7" not in mixed and "echo" not in mixed
    assert not (site / "notebooks/engines.ipynb").exists()


def test_handout_collects_the_purled_code_without_solutions(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    episode = lesson / "episodes/files.Rmd"
    episode.write_text(episode.read_text() + "\n::: challenge\n\n## Try it\n\n```{r try}\nexercise_code <- 1\n```\n\n"
                       "::: solution\n\n```{r answer}\nsolution_code <- 2\n```\n\n:::\n:::\n")
    result = build(lesson, tmp_path / "site", enabled=False)
    assert result.ok
    handout = (tmp_path / "site/files/code-handout.R").read_text()
    assert handout.index("x <- c(1.5, 2.5)") < handout.index('paste("R still here:"') < handout.index("write.csv")
    assert "exercise_code <- 1" in handout and "solution_code" not in handout
    assert "not in the handout" not in handout
    (lesson / "config.yaml").write_text((lesson / "config.yaml").read_text().replace("handout: true\n", ""))
    assert build(lesson, tmp_path / "site2", enabled=False).ok
    assert not (tmp_path / "site2/files/code-handout.R").exists()


def bad_episode(lesson: Path, body: str) -> None:
    (lesson / "episodes/engines.Rmd").write_text("---\ntitle: Bad\nteaching: 1\nexercises: 0\n---\n\n" + body)


def test_an_r_error_fails_the_build_with_the_message_and_line(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    assert build(lesson, tmp_path / "site").ok
    before = (tmp_path / "site/engines.html").read_text()
    bad_episode(lesson, "```{r fails}\nx <- 1\ny <- undefined_thing + 1\nz <- 3\n```\n")
    result = build(lesson, tmp_path / "site")
    assert not result.ok
    [error] = [d for d in result.diagnostics if d.rule == "chunk-error"]
    assert (error.path, error.line) == ("episodes/engines.Rmd", 9)  # the failing line, not only the chunk
    assert "object 'undefined_thing' not found" in error.message and "'fails'" in error.message
    assert "error=TRUE" in error.fix
    assert (tmp_path / "site/engines.html").read_text() == before  # previous output untouched
    assert "Traceback" not in error.message


def test_fail_on_error_false_shows_errors_as_sandpaper_does(tmp_path: Path):
    """sandpaper's config.yaml setting ``fail_on_error: false`` (what sandpaper does when it is not set, which
    is why lessons such as r-novice-gapminder have chunks that fail on purpose without error=TRUE): the error
    is shown on the page, the chunk runs on as with error=TRUE, the build succeeds with a warning at the line."""
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    bad_episode(lesson, "```{r fails}\nx <- 1\ny <- undefined_thing + 1\nz <- x + 2\nz\n```\n")
    with (lesson / "config.yaml").open("a") as config:
        config.write("\nfail_on_error: false\n")
    for attempt in ("run", "cached"):
        result = build(lesson, tmp_path / "site")
        assert result.ok, [d.format() for d in result.diagnostics]
        [error] = [d for d in result.diagnostics if d.rule == "chunk-error"]
        assert error.severity.name == "WARNING" and (error.path, error.line) == ("episodes/engines.Rmd", 9), attempt
        assert "object 'undefined_thing' not found" in error.message
        items = blocks(Document.load(tmp_path / "site/engines.html"))
        assert after(items, "y <- undefined_thing + 1") == ("Error", "Error: object 'undefined_thing' not found")
        assert ("Output", "[1] 3") in items, (attempt, items)  # the chunk went on after the error
    assert result.execution.cells_executed == 0  # the second build came from the cache
    # without the setting the same chunk fails the build, as the issue asks (and the fix names the setting)
    (lesson / "config.yaml").write_text((lesson / "config.yaml").read_text().replace("fail_on_error: false", ""))
    result = build(lesson, tmp_path / "site")
    assert not result.ok
    [error] = [d for d in result.diagnostics if d.rule == "chunk-error"]
    assert error.severity.name == "ERROR" and "fail_on_error: false" in error.fix


def test_timeout_infinite_plot_loop_quit_and_setwd_are_reported(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    before = tree_digest(lesson)
    bad_episode(lesson, "```{r wd}\nsetwd('/')\n```\n\n```{r where}\ncat(basename(getwd()))\n```\n\n"
                        "```{r bye}\nquit()\n```\n\n"
                        "```{r many, fig.alt='dots', fig.width=2.5, fig.height=2.5, dpi=20}\nfor (i in 1:60) plot(i)\n```\n\n"
                        "```{r loop}\nwhile (TRUE) plot(1)\n```\n\n```{r never}\nprint('never printed')\n```\n")
    before = tree_digest(lesson)
    result = build(lesson, tmp_path / "site", timeout=8, keep_going=True)
    assert result.ok
    rules = {d.rule: d for d in result.diagnostics}
    assert rules["chunk-setwd"].line == 7 and "changed the working folder to /" in rules["chunk-setwd"].message
    assert "quit() ends the R session" in rules["chunk-error"].message and rules["chunk-error"].line == 16
    assert "drew 60 figures; only the first 50" in rules["too-many-figures"].message
    assert rules["chunk-timeout"].line == 23 and "8 s" in rules["chunk-timeout"].message
    assert "episodes" in Document.load(tmp_path / "site/engines.html").find_all("div", cls="code-output")[0].text()
    outputs = [o.text() for o in Document.load(tmp_path / "site/engines.html").find_all("div", cls="code-output")]
    assert not [o for o in outputs if "never printed" in o]  # chunks after a timeout do not run
    assert tree_digest(lesson) == before
    assert not build(lesson, tmp_path / "site", timeout=8).ok  # without --keep-going: a failed build


def test_a_dead_r_session_is_reported(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    bad_episode(lesson, "```{r crash}\ntools::pskill(Sys.getpid(), tools::SIGKILL)\n```\n\n```{r after}\n1\n```\n")
    result = build(lesson, tmp_path / "site")
    assert not result.ok
    [died] = [d for d in result.diagnostics if d.rule == "kernel-died"]
    assert (died.path, died.line) == ("episodes/engines.Rmd", 7) and "R session ended" in died.message


def test_writes_into_the_lesson_by_absolute_path_are_reported(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    target = lesson / "episodes/data/planted.csv"
    bad_episode(lesson, f"```{{r plant}}\nwriteLines('x', '{target}')\n```\n")
    result = build(lesson, tmp_path / "site")
    assert not result.ok
    [wrote] = [d for d in result.diagnostics if d.rule == "exec-wrote-source"]
    assert "episodes/data/planted.csv" in wrote.message and "--no-execute" in wrote.fix


def tiny_png() -> bytes:
    import zlib

    def part(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + part(b"IHDR", header) + part(b"IDAT", zlib.compress(b"\x00" + b"\xff\x00\x00" * 2))
            + part(b"IEND", b""))


def test_without_r_prerendered_sandpaper_outputs_are_shown(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    (lesson / "episodes/files.Rmd").write_text(
        "---\ntitle: Rendered\nteaching: 1\nexercises: 0\n---\n\n"
        "```{r sums}\nx <- 1:3\nsum(x)\nmean(x)\n```\n\n"
        "```{r drawing, fig.alt='A red dot', fig.cap='One dot'}\nplot(1)\n```\n\n"
        "```{r changed-since}\nnot_in_the_rendering()\n```\n")
    built = tmp_path / "md-outputs"
    (built / "fig").mkdir(parents=True)
    (built / "fig/files-rendered-drawing-1.png").write_bytes(tiny_png())
    # What sandpaper writes for those chunks (site/built/files.md, or the md-outputs branch).
    (built / "files.md").write_text(
        "---\ntitle: Rendered\n---\n\n```r\nx <- 1:3\nsum(x)\n```\n\n```output\n[1] 6\n```\n\n"
        "```r\nmean(x)\n```\n\n```output\n[1] 2\n```\n\n```r\nplot(1)\n```\n\n"
        '<div class="figure" style="text-align: center">\n'
        '<img src="fig/files-rendered-drawing-1.png" alt="A red dot" width="672" />\n'
        '<p class="caption">One dot</p>\n</div>\n')
    result = build(lesson, tmp_path / "site", r_kernel="no-such-kernel", prerendered=built)
    assert result.ok and result.execution.prerendered == 2
    items = blocks(Document.load(tmp_path / "site/files.html"))
    assert after(items, "sum(x)") == ("Output", "[1] 6") and after(items, "mean(x)") == ("Output", "[1] 2")
    figure = Document.load(tmp_path / "site/files.html").find("figure", cls="chunk-figure")
    assert figure.find("img").attrs["alt"] == "A red dot" and figure.find("figcaption").text() == "One dot"
    assert (tmp_path / "site" / figure.find("img").attrs["src"]).read_bytes() == tiny_png()
    assert items[-1] == ("R", "not_in_the_rendering()")  # not in the rendering: code only
    assert [d.rule for d in result.diagnostics if d.rule == "kernel-missing"] == ["kernel-missing"]  # other pages


def test_installing_r_is_a_change_even_when_the_lesson_is_not(tmp_path: Path, monkeypatch):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURE, lesson)
    monkeypatch.setenv("LESSONKIT_R_KERNEL", "no-such-kernel")
    without = build(lesson, tmp_path / "site")
    assert without.ok and "kernel-missing" in {d.rule for d in without.diagnostics}
    assert Document.load(tmp_path / "site/knitr-options.html").find("figure", cls="chunk-figure") is None
    monkeypatch.delenv("LESSONKIT_R_KERNEL")
    with_r = build(lesson, tmp_path / "site")  # same lesson, same output folder: R now runs
    assert with_r.ok and with_r.execution.cells_executed > 15
    assert Document.load(tmp_path / "site/knitr-options.html").find("figure", cls="chunk-figure") is not None
