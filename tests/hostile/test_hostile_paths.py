"""#11.2: nothing outside the lesson is read, published or migrated (symbolic links, '../' and
absolute config entries, child documents)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostilesupport import build, check, diagnosed, make_lesson, run_lessonkit

from lessonkit.diagnostics import Report
from lessonkit.readers import read_lesson
from lessonkit.readers.paths import entry_problem, resolve_inside, walk_files

SECRET = "CI_TOKEN=s3cr3t-do-not-publish"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file and a folder outside the lesson (standing in for /proc/self/environ and $HOME)."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "environ").write_text(SECRET + "\n")
    (outside / "folder" / "id_rsa").write_text(SECRET + "\n")
    (outside / "page.md").write_text(f"---\ntitle: Leak\n---\n\n{SECRET}\n")
    return outside


def site_text(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file())


def test_symlinked_assets_and_folders_leaving_the_lesson_are_refused(tmp_path: Path, secret: Path):
    lesson = make_lesson(tmp_path / "lesson", {"episodes/fig/ok.png": b"png"})
    os.symlink(secret / "environ", lesson / "episodes/fig/environ.txt")
    os.symlink(secret / "folder", lesson / "episodes/data")
    os.symlink("/etc/passwd", lesson / "episodes/fig/passwd.txt")
    os.symlink("ok.png", lesson / "episodes/fig/same.png")  # inside the lesson: fine
    out = tmp_path / "out"
    run = build(lesson, out)
    assert diagnosed(run, "episodes/fig/environ.txt", "path-outside-lesson"), run.output
    assert diagnosed(run, "episodes/fig/passwd.txt", "path-outside-lesson")
    assert diagnosed(run, "episodes/data", "path-outside-lesson")
    assert run.returncode == 1 and not out.exists()
    assert diagnosed(check(lesson), "episodes/fig/environ.txt", "path-outside-lesson")
    lesson_read = read_lesson(lesson)
    assert {a.target for a in lesson_read.assets} == {"fig/ok.png", "fig/same.png"}


def test_an_episode_that_is_a_symlink_out_of_the_lesson_is_refused(tmp_path: Path, secret: Path):
    lesson = make_lesson(tmp_path / "lesson", episodes=["intro.md", "leak.md"])
    (lesson / "episodes/leak.md").unlink()
    os.symlink(secret / "page.md", lesson / "episodes/leak.md")
    os.symlink(secret / "environ", lesson / "LICENSE.md")
    os.symlink(secret / "environ", lesson / "links.md")
    run = build(lesson, tmp_path / "out")
    assert diagnosed(run, "episodes/leak.md", "path-outside-lesson"), run.output
    assert diagnosed(run, "LICENSE.md", "path-outside-lesson")
    assert diagnosed(run, "links.md", "path-outside-lesson")
    assert SECRET not in run.output
    # and when the build goes on (the refused files are simply not there), nothing leaks
    report = read_lesson(lesson).report
    assert all(SECRET not in d.message for d in report)


@pytest.mark.parametrize("entry", ["../../outside/page.md", "/etc/passwd", "sub/../../../outside/page.md",
                                   "..\\..\\outside\\page.md"])
def test_config_entries_that_leave_the_folder_are_refused_at_their_line(tmp_path: Path, secret: Path, entry: str):
    lesson = make_lesson(tmp_path / "lesson", episodes=["intro.md", entry])
    run = build(lesson, tmp_path / "out")
    assert diagnosed(run, "config.yaml:6", "path-outside-lesson"), run.output
    assert run.returncode == 1 and SECRET not in run.output
    assert diagnosed(check(lesson), "config.yaml:6", "path-outside-lesson")


def test_child_documents_outside_the_lesson_are_refused(tmp_path: Path, secret: Path):
    episode = "---\ntitle: Child\n---\n\nText.\n\n```{r, child='../../outside/page.md'}\n```\n"
    lesson = make_lesson(tmp_path / "lesson", {"episodes/intro.Rmd": episode}, episodes=["intro.Rmd"])
    os.symlink(secret / "page.md", lesson / "episodes/linked.Rmd")
    (lesson / "episodes/intro.Rmd").write_text(episode + "\n```{r, child='linked.Rmd'}\n```\n")
    report = read_lesson(lesson).report
    found = {(d.path, d.line, d.rule) for d in report}
    assert ("episodes/intro.Rmd", 7, "path-outside-lesson") in found
    assert ("episodes/intro.Rmd", 10, "path-outside-lesson") in found
    assert all(SECRET not in d.message for d in report)


def test_styles_lessons_refuse_links_out_too(tmp_path: Path, secret: Path):
    lesson = tmp_path / "styles"
    (lesson / "_episodes").mkdir(parents=True)
    (lesson / "_config.yml").write_text("title: Styles\n")
    (lesson / "_episodes/01-intro.md").write_text("---\ntitle: Intro\n---\n\nText.\n")
    os.symlink(secret / "page.md", lesson / "_episodes/02-leak.md")
    (lesson / "fig").mkdir()
    os.symlink(secret / "environ", lesson / "fig/environ.png")
    run = build(lesson, tmp_path / "out")
    assert diagnosed(run, "_episodes/02-leak.md", "path-outside-lesson"), run.output
    assert diagnosed(run, "fig/environ.png", "path-outside-lesson")


def test_migrate_copies_nothing_from_outside(tmp_path: Path, secret: Path):
    lesson = tmp_path / "styles"
    (lesson / "_episodes").mkdir(parents=True)
    (lesson / "_config.yml").write_text("title: Styles\n")
    (lesson / "_episodes/01-intro.md").write_text("---\ntitle: Intro\n---\n\nText.\n")
    (lesson / "fig").mkdir()
    (lesson / "fig/ok.png").write_bytes(b"png")
    os.symlink(secret / "environ", lesson / "fig/environ.png")
    os.symlink(secret / "folder", lesson / "data")
    os.symlink(secret / "environ", lesson / "CITATION")
    run = run_lessonkit("migrate", str(lesson), str(tmp_path / "new"))
    assert "path-outside-lesson" in run.output, run.output
    migrated = tmp_path / "new"
    if migrated.exists():
        assert SECRET not in site_text(migrated)
        assert not (migrated / "CITATION").exists()


def test_helpers():
    assert entry_problem("intro.md") is None and entry_problem("sub/intro.md") is None
    assert entry_problem("../x.md") and entry_problem("/x.md") and entry_problem("C:\\x.md")
    assert entry_problem("a/../../x.md") and entry_problem("~/x.md") and entry_problem("a\x00b")


def test_walk_files_follows_links_inside_and_survives_loops(tmp_path: Path):
    root = tmp_path / "lesson"
    (root / "fig" / "sub").mkdir(parents=True)
    (root / "fig" / "sub" / "a.png").write_bytes(b"a")
    os.symlink("..", root / "fig" / "sub" / "loop")  # a folder linking to its parent
    os.symlink("sub", root / "fig" / "alias")
    report = Report()
    found = [rel for _, rel in walk_files(root, root / "fig", report, "fig")]
    assert "sub/a.png" in found and "alias/a.png" in found and len(found) == len(set(found)) <= 4
    assert not report.items
    assert resolve_inside(root, root / "fig" / "alias" / "a.png") == (root / "fig/sub/a.png").resolve()
    assert resolve_inside(root, root / ".." / "x") is None
