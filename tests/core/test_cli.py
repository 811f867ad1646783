"""The command line: help, exit codes, quiet output, and no tracebacks on bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from htmlquery import Document
from lessonkit.cli import main
from testsupport import FIXTURES


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonkit", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={**os.environ, **env} if env else None)


@pytest.mark.parametrize("command", ["build", "serve", "new"])
def test_every_command_has_help(command: str):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: main" in result.output or "Usage:" in result.output
    assert len(result.output.splitlines()) > 5


def test_top_level_help_lists_commands_and_version():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "serve", "new"):
        assert command in result.output
    assert CliRunner().invoke(main, ["--version"]).output.startswith("lessonkit, version")


def test_build_success_exit_0_and_summary(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    result = run("build", str(lesson), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "Built 34 pages" in result.stderr  # with the R episode's .Rmd and .R downloads
    (lesson / "episodes/blocks-and-tabs.md").write_text(
        (lesson / "episodes/blocks-and-tabs.md").read_text().replace(".unknownclass", ".callout"))
    quiet = run("build", str(lesson), "--out", str(tmp_path / "out"), "--quiet", "--no-execute")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    # The R chunks' one warning when IRkernel is missing (LESSONKIT_R_KERNEL names a kernel that is not there).
    warned = run("build", str(lesson), "--out", str(tmp_path / "out"), "--quiet",
                 env={"LESSONKIT_R_KERNEL": "no-such-kernel"})
    assert "kernel-missing" in warned.stderr and "Built" not in warned.stderr  # quiet keeps warnings


def test_default_output_folder_is_site_inside_the_lesson(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    assert run("build", str(lesson), "-q").returncode == 0
    assert (lesson / "site/index.html").is_file()
    assert run("build", str(lesson), "-q").returncode == 0  # the site folder is not read as content


BROKEN = {
    "config.yaml": ("title: 'unclosed\n", "config.yaml:1"),
    "episodes/counting-cells.md": ("---\ntitle: T\n---\n\n::: challenge\n", "episodes/counting-cells.md:5"),
}


@pytest.mark.parametrize("path", sorted(BROKEN))
def test_lesson_errors_exit_1_with_location_and_no_traceback(tmp_path: Path, path: str):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    content, location = BROKEN[path]
    (lesson / path).write_text(content)
    result = run("build", str(lesson), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert location in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "fix:" in result.stderr


def test_missing_episode_exit_1(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    (lesson / "episodes/blocks-and-tabs.md").unlink()
    result = run("build", str(lesson), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "config.yaml:" in result.stderr and "config-missing-file" in result.stderr


def test_binary_junk_episode_exit_1_without_traceback(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    (lesson / "episodes/counting-cells.md").write_bytes(bytes(range(256)) * 20)
    result = run("build", str(lesson), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "encoding" in result.stderr


def test_usage_errors_exit_2(tmp_path: Path):
    assert run("build", str(tmp_path / "does-not-exist")).returncode == 2
    assert run("build", "--no-such-option").returncode == 2
    assert run("frobnicate").returncode == 2


def test_not_a_lesson_exit_1(tmp_path: Path):
    result = run("build", str(tmp_path))
    assert result.returncode == 1 and "is not a lesson" in result.stderr


def test_new_creates_a_lesson_that_builds_without_any_diagnostic(tmp_path: Path):
    result = run("new", str(tmp_path / "my-lesson"), "--title", "Microscopy for Beginners")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "my-lesson/.gitignore").read_text() == "site/\n.lessonkit/\n"
    built = run("build", str(tmp_path / "my-lesson"), "--strict")
    assert built.returncode == 0, built.stderr
    assert "no problems" in built.stderr
    assert "Microscopy for Beginners" in (tmp_path / "my-lesson/site/index.html").read_text()
    again = run("new", str(tmp_path / "my-lesson"))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_new_with_an_author_credits_her_on_the_contributors_page_and_in_the_citation(tmp_path: Path):
    lesson = tmp_path / "cells"
    assert run("new", str(lesson), "--author", "Ada Lovelace").returncode == 0
    checked = run("check", str(lesson), "--strict")
    assert checked.returncode == 0 and "no problems" in checked.stdout, checked.stdout
    built = run("build", str(lesson), "--strict")
    assert built.returncode == 0 and "no problems" in built.stderr, built.stderr
    from lessonkit.credit.contributors import load_contributors
    from lessonkit.diagnostics import Report
    from lessonkit.readers import read_lesson

    report = Report()
    contributors = load_contributors(read_lesson(lesson), report)
    assert report.items == []
    (ada,) = contributors.people
    assert (ada.name, ada.author, ada.roles) == ("Ada Lovelace", True, ["conceptualization", "writing-original-draft"])
    page = Document.load(lesson / "site/contributors.html")
    assert page.find("ul", cls="contributors-authors").text().strip() == "Ada Lovelace"
    assert "Lovelace, A. (" in (lesson / "site/citation.html").read_text()
    cff = (lesson / "CITATION.cff").read_text()
    assert '  - given-names: "Ada"\n    family-names: "Lovelace"\n' in cff and "The lesson authors" not in cff


def test_new_writes_names_yaml_cannot_read_as_they_are(tmp_path: Path):
    lesson = tmp_path / "cells"
    assert run("new", str(lesson), "--author", 'Zoë "Z" de: Ünal').returncode == 0
    checked = run("check", str(lesson), "--strict")
    assert checked.returncode == 0, checked.stdout
    from lessonkit.credit.metadata import read_cff
    from lessonkit.readers import read_lesson

    assert read_cff(read_lesson(lesson))["authors"] == [{"given-names": 'Zoë "Z" de:', "family-names": "Ünal"}]
    assert 'name: "Zoë \\"Z\\" de: Ünal"' in (lesson / "contributors.yaml").read_text()


def test_new_without_an_author_writes_a_commented_contributors_example_that_passes_the_checks(tmp_path: Path):
    lesson = tmp_path / "cells"
    assert run("new", str(lesson)).returncode == 0
    text = (lesson / "contributors.yaml").read_text()
    assert "people: []" in text and "#   - name: Ada Lovelace" in text
    checked = run("check", str(lesson), "--strict")
    assert checked.returncode == 0 and "no problems" in checked.stdout, checked.stdout
    # the commented example, uncommented, is a valid entry too
    example = "\n".join(line[2:] for line in text.splitlines() if line.startswith("#  ") or line == "# people:")
    (lesson / "contributors.yaml").write_text(example + "\n")
    checked = run("check", str(lesson), "--strict")
    assert checked.returncode == 1 and "credit-metadata-mismatch" in checked.stdout  # CITATION.cff: the placeholder
    assert "[credit-file]" not in checked.stdout and "credit-role" not in checked.stdout


def test_catalogue_of_lessons(tmp_path: Path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copytree(FIXTURES / "workbench", lessons / "cells")
    assert run("new", str(lessons / "second")).returncode == 0
    (lessons / "catalogue.yaml").write_text("title: Our masterclasses\ndescription: Two *short* lessons.\n")
    result = run("build", str(lessons), "--out", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "site/index.html").read_text()
    assert "Our masterclasses" in index and "<em>short</em>" in index
    assert 'href="cells/index.html"' in index and 'href="second/index.html"' in index
    assert (tmp_path / "site/cells/counting-cells.html").is_file()
    assert (tmp_path / "site/second/introduction.html").is_file()
    (lessons / "second/episodes/introduction.md").write_text("---\ntitle: X\n---\n:::\n")
    broken = run("build", str(lessons), "--out", str(tmp_path / "site"))
    assert broken.returncode == 1 and "second/episodes/introduction.md:4" in broken.stderr
    assert (tmp_path / "site/cells/counting-cells.html").is_file()


def test_unexpected_failures_are_reported_without_a_traceback(tmp_path: Path, monkeypatch):
    import lessonkit.build

    def explode(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(lessonkit.build.Builder, "build", explode)
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    result = CliRunner().invoke(main, ["build", str(lesson)])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: boom" in result.output
    assert "Traceback" not in result.output


def test_output_folder_that_cannot_be_written(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("build", str(lesson), "--out", str(blocker / "site"))
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr


def _commands(group, prefix=()):
    import click

    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_and_subcommand_has_help():
    """`--help` works for every command and sub-command, without an internal error."""
    from click.testing import CliRunner

    from lessonkit.cli import COMMANDS, main

    found = list(_commands(main))
    assert {path[0] for path, _ in found} == set(COMMANDS)
    runner = CliRunner()
    for path, command in found:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output and (command.help or "").split("\n")[0].strip()[:20] in result.output


def test_unit_tests_run_without_playwright(tmp_path: Path):
    """The root conftest does not import the browser stack: unit tests run where Playwright is missing."""
    import os
    import sys

    fake = tmp_path / "fake" / "playwright"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('Playwright is not installed here')\n")
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake.parent), str(root / "src"),
                                                         os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                             str(root / "tests/core/test_fenced_divs.py")], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]


def test_new_writes_a_title_with_quotes_and_colons_as_it_was_given(tmp_path: Path):
    """The title goes into config.yaml and CITATION.cff as YAML strings, whatever it holds."""
    lesson = tmp_path / "cells"
    title = """Cells: "counting" them, and the researcher's view"""
    assert run("new", str(lesson), "--title", title).returncode == 0
    built = run("build", str(lesson), "--strict")
    assert built.returncode == 0 and "no problems" in built.stderr, built.stderr
    from lessonkit.credit.metadata import read_cff
    from lessonkit.readers import read_lesson

    read = read_lesson(lesson)
    assert read.config.title == title and read_cff(read)["title"] == title
    assert "https://github.com/example/cells-counting-them-and-the-researcher-s-view" in \
        (lesson / "config.yaml").read_text()
    assert Document.load(lesson / "site/index.html").find("title").text() == f"Summary and Setup – {title}"
