"""Executable episodes: outputs under their chunks, knitr options, cache, failures, timeouts,
parallel kernels, and downloadable notebooks and scripts."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions, BuildResult
from lessonkit.execute import ExecutionOptions
from testsupport import FIXTURES


def build(lesson: Path, out: Path, **execution) -> BuildResult:
    return Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(**execution))).build()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, BuildResult]:
    base = tmp_path_factory.mktemp("executable")
    lesson = base / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    result = build(lesson, base / "site")
    assert result.ok, [d.format() for d in result.diagnostics]
    return lesson, base / "site", result


def test_outputs_appear_under_their_chunks(built):
    _, site, result = built
    assert result.execution.cells_executed == 11 and result.execution.cells_cached == 0  # 10 Python, 1 R
    page = Document.load(site / "outputs.html")
    outputs = [o.text() for o in page.find_all("div", cls="code-output")]
    assert "hello from the kernel" in outputs[0]
    table = page.find("table", cls="dataframe")
    assert table is not None and "30" in table.text()
    figure = page.find("figure", cls="chunk-figure")
    img = figure.find("img")
    assert img.attrs["alt"] == "Bar chart with two bars, T and B"
    assert figure.find("figcaption").text() == "Counts per cell type"
    assert (site / img.attrs["src"]).read_bytes().startswith(b"\x89PNG")
    error = page.find("div", cls="code-error")
    assert error is not None and "ZeroDivisionError" in error.text()


def test_knitr_chunk_options(built):
    _, site, _ = built
    html = (site / "outputs.html").read_text()
    assert "code hidden, output shown" in html and 'print(&quot;code hidden' not in html  # echo=FALSE
    assert "secret = 41" not in html and "42" in html  # include=FALSE ran, showed nothing
    assert "this must never run" in html  # eval=FALSE: code shown...
    assert "SystemExit" not in html.split("this must never run")[1].split("</div>")[1]  # ...not run
    assert "this text is hidden</code></pre></div>\n<div class=\"code code-output\"" not in html
    assert html.count("this text is hidden") == 1  # results='hide': the code only
    assert "plain fence marker works" in html


def test_data_files_are_read_relative_to_the_episode(built):
    _, site, _ = built
    assert "42" in Document.load(site / "data.html").find("div", cls="code-output").text()


def test_r_chunks_run_in_irkernel(built):
    _, site, _ = built
    page = Document.load(site / "r-code.html")
    assert page.find("span", cls="code-label").text() == "R"
    assert "Min. 1st Qu.  Median" in page.find("div", cls="code-output").find("pre").raw_text()


def test_r_chunks_are_shown_with_one_warning_when_irkernel_is_missing(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    result = build(lesson, tmp_path / "site", r_kernel="no-such-kernel")
    [warning] = [d for d in result.diagnostics if d.rule == "kernel-missing"]
    assert (warning.path, warning.line) == ("episodes/r-code.Rmd", 7)
    assert "apt-get install r-base-core r-cran-irkernel" in warning.fix and "brew install r" in warning.fix
    assert "Windows" in warning.fix and "--prerendered" in warning.fix
    assert "summary(c(1, 2, 3))" in Document.load(tmp_path / "site/r-code.html").find("pre").raw_text()


def test_notebook_and_script_downloads(built):
    _, site, _ = built
    import nbformat

    notebook = nbformat.reads((site / "notebooks/outputs.ipynb").read_text(), as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) == 10
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in code for o in c.outputs)
    script = (site / "notebooks/outputs.py").read_text()
    assert 'message = "hello from the kernel"' in script and "# %% table" in script
    assert '# raise SystemExit("this must never run")' in script  # eval=FALSE is commented out
    compile(script, "outputs.py", "exec")
    links = [a.attrs["href"] for a in Document.load(site / "outputs.html").find_all("a") if "download" in a.attrs]
    assert links == ["notebooks/outputs.ipynb", "notebooks/outputs.py"]
    assert not (site / "notebooks/r-code.ipynb").exists()


def test_second_build_executes_nothing_and_edits_rerun_one_episode(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    first = build(lesson, tmp_path / "site")
    assert first.ok and first.execution.cells_executed == 11
    second = build(lesson, tmp_path / "site")  # nothing changed: no chunk runs (the build may not even look)
    assert second.execution.cells_executed == 0 and second.execution.cells_cached in (0, 11)
    assert "hello from the kernel" in (tmp_path / "site/outputs.html").read_text()
    episode = lesson / "episodes/data.Rmd"
    episode.write_text(episode.read_text().replace('print(int(counts["count"].sum()))',
                                                   'print(int(counts["count"].max()))'))
    third = build(lesson, tmp_path / "site")
    assert (third.execution.episodes_executed, third.execution.cells_executed) == (1, 1)
    assert third.execution.cells_cached == 10
    (lesson / "episodes/data/counts.csv").write_text("sample,count\nA,10\nB,99\n")  # a data file it reads
    fourth = build(lesson, tmp_path / "site")
    assert (fourth.execution.episodes_executed, fourth.execution.cells_executed) == (1, 1)
    assert "99" in (tmp_path / "site/data.html").read_text()
    shutil.rmtree(lesson / ".lessonkit/exec")  # safe to delete
    fifth = build(lesson, tmp_path / "site5")  # another output: not a no-change build, so the code runs again
    assert fifth.ok and fifth.execution.cells_executed == 11


def test_no_execute_runs_nothing(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    result = build(lesson, tmp_path / "site", enabled=False)
    assert result.ok and result.execution.cells_executed == 0
    page = Document.load(tmp_path / "site/outputs.html")
    assert page.find("div", cls="code-output") is None and page.find("figure", cls="chunk-figure") is None


def write_episode(lesson: Path, body: str) -> None:
    (lesson / "episodes/data.Rmd").write_text("---\ntitle: Broken\nteaching: 1\nexercises: 0\n---\n\n" + body)


def test_failing_chunk_fails_the_build_with_file_line_and_traceback(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    assert build(lesson, tmp_path / "site").ok
    before = (tmp_path / "site/data.html").read_text()
    write_episode(lesson, "Text.\n\n```{python boom}\nimport json\njson.loads('{not json')\n```\n")
    result = build(lesson, tmp_path / "site")
    assert not result.ok
    [error] = [d for d in result.diagnostics if d.rule == "chunk-error"]
    assert (error.path, error.line) == ("episodes/data.Rmd", 9)
    assert "JSONDecodeError" in error.message and "'boom'" in error.message and "error=TRUE" in error.fix
    assert (tmp_path / "site/data.html").read_text() == before  # previous output untouched
    kept = build(lesson, tmp_path / "site", keep_going=True)
    assert kept.ok and "chunk-error" in {d.rule for d in kept.diagnostics if d.severity >= 1}
    assert "JSONDecodeError" in (tmp_path / "site/data.html").read_text()


def test_timeout_stops_the_chunk(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    write_episode(lesson, "```{python slow}\nimport time\ntime.sleep(60)\n```\n\n```{python after}\nprint('after')\n```\n")
    result = build(lesson, tmp_path / "site", timeout=2)
    assert not result.ok
    [timeout] = [d for d in result.diagnostics if d.rule == "chunk-timeout" and d.path == "episodes/data.Rmd"]
    assert (timeout.path, timeout.line) == ("episodes/data.Rmd", 7) and "2 s" in timeout.message
    assert "--timeout" in timeout.fix


def test_episodes_run_in_parallel_kernels(tmp_path: Path):
    lesson = tmp_path / "lesson"
    (lesson / "episodes").mkdir(parents=True)
    (lesson / "config.yaml").write_text("title: Parallel\nepisodes:\n- first.md\n- second.md\n")
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    for name in ("first", "second"):
        (lesson / f"episodes/{name}.md").write_text(
            f"---\ntitle: {name}\nteaching: 1\nexercises: 0\n---\n\n```{{python}}\nimport os, time\n"
            f"start = time.time(); time.sleep(3); end = time.time()\n"
            f"open(r'{stamps}/{name}', 'w').write(f'{{start}} {{end}} {{os.getpid()}}')\n```\n")

    def intervals():
        return [tuple(float(x) for x in (stamps / n).read_text().split()) for n in ("first", "second")]

    assert build(lesson, tmp_path / "site", jobs=2).ok
    (a_start, a_end, a_pid), (b_start, b_end, b_pid) = intervals()
    assert a_pid != b_pid  # one kernel per episode
    assert a_start < b_end and b_start < a_end  # the two episodes ran at the same time
    shutil.rmtree(lesson / ".lessonkit")
    assert build(lesson, tmp_path / "site2", jobs=1).ok
    (a_start, a_end, _), (b_start, b_end, _) = intervals()
    assert a_end <= b_start or b_end <= a_start  # one at a time


def test_figure_without_alt_text_is_a_warning(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    write_episode(lesson, "```{python plot}\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\n```\n")
    result = build(lesson, tmp_path / "site")
    assert result.ok
    [warning] = [d for d in result.diagnostics if d.rule == "figure-alt-missing"]
    assert (warning.path, warning.line) == ("episodes/data.Rmd", 7)
    strict = Builder(lesson, BuildOptions(out=tmp_path / "site", strict=True)).build()
    assert not strict.ok


def test_cli_reports_executed_and_cached_chunks(tmp_path: Path):
    import subprocess
    import sys

    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "executable", lesson)
    command = [sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(tmp_path / "site")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert first.returncode == 0 and "11 chunks run in 3 kernels" in first.stderr.replace("\n", " ")
    # Another working directory and another PYTHONPATH change sys.path, not the environment
    # the code runs in: the cache still holds.
    (tmp_path / "elsewhere").mkdir()
    (lesson / ".lessonkit/build.msgpack").unlink()  # not the no-change build: go through execution
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "elsewhere"),
                                                                        os.environ.get("PYTHONPATH")]))}
    second = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path / "elsewhere",
                            env=env)
    assert "0 chunks run" in second.stderr and "11 chunks from the" in second.stderr, second.stderr
    assert json.loads((tmp_path / "site/notebooks/data.ipynb").read_text())["nbformat"] == 4


def test_kernels_side_by_side_share_the_cores_among_their_thread_pools(tmp_path: Path, monkeypatch):
    """Each of two kernels run side by side on two cores gets one OpenBLAS thread (as numpy reports
    it), not one per core, so that they do not fight for the cores; a thread count the environment
    sets is kept."""
    from lessonkit import parallel

    lesson = tmp_path / "lesson"
    (lesson / "episodes").mkdir(parents=True)
    (lesson / "config.yaml").write_text("title: Threads\nepisodes:\n- first.md\n- second.md\n")
    for name in ("first", "second"):
        (lesson / f"episodes/{name}.md").write_text(
            f"---\ntitle: {name}\nteaching: 1\nexercises: 0\n---\n\n```{{python}}\nimport numpy, threadpoolctl\n"
            "print('blas threads:', [p['num_threads'] for p in threadpoolctl.threadpool_info()"
            " if p['user_api'] == 'blas'])\n```\n")
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    assert build(lesson, tmp_path / "site", jobs=2).ok
    for name in ("first", "second"):
        assert "blas threads: [1]" in (tmp_path / f"site/{name}.html").read_text()
    shutil.rmtree(lesson / ".lessonkit")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert build(lesson, tmp_path / "site2", jobs=2).ok
    assert "blas threads: [2]" in (tmp_path / "site2/first.html").read_text()
