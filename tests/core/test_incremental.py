"""Incremental builds (content hashes) and safe output (build elsewhere, then swap)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from testsupport import FIXTURES


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    target = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", target)
    return target


def forget_last_build(lesson: Path) -> None:
    """Drop the no-change manifest (tests/core/test_no_change_build.py), so that the next build goes
    through the incremental pipeline that these tests are about."""
    (lesson / ".lessonkit" / "build.msgpack").unlink(missing_ok=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_second_build_renders_nothing_and_changes_nothing(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = Builder(lesson, BuildOptions(out=out)).build()
    assert first.ok and first.pages_rendered == 10 and first.pages_reused == 0
    before = snapshot(out)
    forget_last_build(lesson)
    second = Builder(lesson, BuildOptions(out=out)).build()  # a new process would start like this
    assert second.ok and second.pages_rendered == 0 and second.pages_reused == 10
    site = second.lessons[0].site
    assert site.files_written == 0 and site.files_reused > 30
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k != ".lessonkit-site"} == \
        {k: v for k, v in before.items() if k != ".lessonkit-site"}


def test_editing_one_episode_rerenders_only_that_episode(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    builder = Builder(lesson, BuildOptions(out=out))
    assert builder.build().ok
    page = lesson / "episodes/blocks-and-tabs.md"
    page.write_text(page.read_text().replace("Callouts hold asides.", "Callouts hold many asides."))
    result = builder.build()
    assert result.ok and result.pages_rendered == 1
    written = {p for p, key in builder.states[lesson.resolve()].outputs.items()}
    assert "blocks-and-tabs.html" in written
    assert "many asides" in (out / "blocks-and-tabs.html").read_text()
    assert "many asides" in (out / "instructor/blocks-and-tabs.html").read_text()
    assert "many asides" in (out / "aio.html").read_text()
    site = result.lessons[0].site
    # the page in two views + pages gathering all episodes; not every page of the site
    assert site.files_written <= 16, site.files_written
    assert site.files_reused >= 20


def test_renaming_an_episode_title_updates_navigation_and_neighbours(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    builder = Builder(lesson, BuildOptions(out=out))
    builder.build()
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace('title: "Counting Cells"', 'title: "Counting Many Cells"'))
    assert builder.build().ok
    assert "Counting Many Cells" in (out / "assets/nav.js").read_text()
    assert "Counting Many Cells" in (out / "blocks-and-tabs.html").read_text()  # its pager
    assert "Counting Many Cells" in (out / "index.html").read_text()  # the schedule


def test_failed_build_leaves_previous_output_untouched(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    before = snapshot(out)
    (lesson / "episodes/counting-cells.md").write_text("---\ntitle: Broken\n---\n\n::: challenge\nNever closed\n")
    result = Builder(lesson, BuildOptions(out=out)).build()
    assert not result.ok
    assert [d.rule for d in result.diagnostics if d.severity == 2] == ["div-unclosed"]
    assert snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name or ".old-" in p.name]


def test_strict_build_fails_on_warnings_and_keeps_output(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    quiet = ExecutionOptions(enabled=False)  # no R kernel warning: only the link warning below
    assert Builder(lesson, BuildOptions(out=out, execution=quiet)).build().ok
    before = snapshot(out)
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text() + "\n![Missing](fig/missing.png)\n")
    assert Builder(lesson, BuildOptions(out=out, execution=quiet)).build().ok  # a warning only
    loose = snapshot(out)
    assert loose != before
    (lesson / "episodes/blocks-and-tabs.md").write_text(
        (lesson / "episodes/blocks-and-tabs.md").read_text().replace(".unknownclass", ".callout"))
    result = Builder(lesson, BuildOptions(out=out, strict=True, execution=quiet)).build()
    assert not result.ok and snapshot(out) == loose
    assert "link-target-missing" in [d.rule for d in result.diagnostics]


def test_refuses_to_replace_a_folder_it_did_not_make(lesson: Path, tmp_path: Path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    result = Builder(lesson, BuildOptions(out=out)).build()
    assert not result.ok and [d.rule for d in result.diagnostics if d.severity == 2] == ["output-path"]
    assert (out / "thesis.tex").read_text() == "years of work"


def test_stale_cache_for_another_output_folder_is_not_trusted(lesson: Path, tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert Builder(lesson, BuildOptions(out=a)).build().ok
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("Seeding density matters.", "Seeding density matters a lot."))
    assert Builder(lesson, BuildOptions(out=b)).build().ok
    # Back to a: the cache now describes b, so a must be brought up to date, not linked as it is.
    assert Builder(lesson, BuildOptions(out=a)).build().ok
    assert "matters a lot" in (a / "counting-cells.html").read_text()


def test_unchanged_files_are_hard_links_to_the_previous_output(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    Builder(lesson, BuildOptions(out=out)).build()
    inode = os.stat(out / "setup.html").st_ino
    Builder(lesson, BuildOptions(out=out)).build()
    assert os.stat(out / "setup.html").st_ino == inode


def test_deleting_the_cache_is_safe(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    Builder(lesson, BuildOptions(out=out)).build()
    shutil.rmtree(lesson / ".lessonkit")
    result = Builder(lesson, BuildOptions(out=out)).build()
    assert result.ok and result.pages_rendered == 10


def test_corrupt_cache_is_ignored(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    Builder(lesson, BuildOptions(out=out)).build()
    (lesson / ".lessonkit/site-state.msgpack").write_bytes(b"not msgpack data")
    forget_last_build(lesson)
    assert Builder(lesson, BuildOptions(out=out)).build().pages_rendered == 10


def test_removed_episode_disappears_from_output(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    Builder(lesson, BuildOptions(out=out)).build()
    config = lesson / "config.yaml"
    config.write_text(config.read_text().replace("- blocks-and-tabs.md\n", ""))
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    assert not (out / "blocks-and-tabs.html").exists()


def test_read_only_lesson_gets_its_cache_elsewhere(lesson: Path, tmp_path: Path, monkeypatch):
    import stat as stat_module

    from lessonkit.cache import cache_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    lesson.chmod(stat_module.S_IRUSR | stat_module.S_IXUSR | stat_module.S_IRGRP | stat_module.S_IXGRP)
    try:
        folder = cache_dir(lesson)
        assert not (lesson / ".lessonkit").exists()  # not even as root
        assert str(folder).startswith(str(tmp_path / "user-cache"))
        assert Builder(lesson, BuildOptions(out=tmp_path / "out")).build().ok
        assert not (lesson / ".lessonkit").exists()
    finally:
        lesson.chmod(0o755)


def _age(folder: Path, seconds: int = 3600) -> None:
    """Make every file look as if it was last changed an hour ago."""
    import time

    past = time.time() - seconds
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def test_unchanged_pages_are_known_from_their_stat_without_reading_them(lesson: Path, monkeypatch):
    import lessonkit.readers.pipeline as workbench  # where every format's pages are read
    from lessonkit.readers import read_lesson
    from lessonkit.readers.page_cache import PageCache

    _age(lesson)
    cache = PageCache()
    first = read_lesson(lesson, cache=cache)
    reads: list[str] = []
    real = workbench.read_bytes
    monkeypatch.setattr(workbench, "read_bytes", lambda path, rel, report: reads.append(rel) or real(path, rel, report))
    again = read_lesson(lesson, cache=cache)
    assert reads == [] and [p.source for p in again.pages()] == [p.source for p in first.pages()]
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("## ", "## Edited: ", 1))
    edited = read_lesson(lesson, cache=cache)
    assert reads == ["episodes/counting-cells.md"]
    assert any("Edited:" in n.text for p in edited.episodes for n in p.body if hasattr(n, "text"))


def test_a_same_size_edit_in_the_same_clock_tick_is_still_seen(lesson: Path):
    """A file read moments after it was written is not trusted from its stat alone: it could
    change again without its size or (coarse) modification time changing."""
    from lessonkit.readers import read_lesson
    from lessonkit.readers.page_cache import PageCache

    cache = PageCache()
    page = lesson / "episodes/counting-cells.md"
    text = page.read_text()
    page.write_text(text)
    stamp = page.stat().st_mtime_ns
    read_lesson(lesson, cache=cache)
    page.write_text(text.replace("Seeding density", "SEEDING density"))  # same size
    os.utime(page, ns=(stamp, stamp))  # and the same modification time
    lesson_again = read_lesson(lesson, cache=cache)
    episode = next(p for p in lesson_again.episodes if p.source == "episodes/counting-cells.md")
    assert "SEEDING" in "".join(getattr(n, "text", "") for n in episode.body)


def test_check_results_are_kept_between_processes(lesson: Path, tmp_path: Path, monkeypatch):
    from lessonkit.checks import context

    out = tmp_path / "out"
    first = Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(enabled=False))).build()
    assert (lesson / ".lessonkit/checks.msgpack").is_file()
    scanned: list[str] = []
    real = context.scan_page
    monkeypatch.setattr(context, "scan_page", lambda page, *rest: scanned.append(page.source) or real(page, *rest))
    second = Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(enabled=False))).build()
    assert scanned == [] and second.diagnostics == first.diagnostics
    # A broken anchor in an edited page is found; the other pages are not scanned again.
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text() + "\nSee [the tabs](blocks-and-tabs.md#no-such-heading).\n")
    third = Builder(lesson, BuildOptions(out=out, execution=ExecutionOptions(enabled=False))).build()
    assert scanned == ["episodes/counting-cells.md"]
    assert [d.rule for d in third.diagnostics if d.path == "episodes/counting-cells.md"].count(
        "link-anchor-missing") == 1


def test_the_replaced_output_is_removed(lesson: Path, tmp_path: Path):
    import time

    out = tmp_path / "out"
    for _ in range(3):
        assert Builder(lesson, BuildOptions(out=out)).build().ok
    deadline = time.time() + 30
    while list(tmp_path.glob(".out.old-*")) and time.time() < deadline:
        time.sleep(0.05)  # deleted in the background
    assert not list(tmp_path.glob(".out.old-*")) and (out / "index.html").is_file()


def test_old_outputs_left_by_an_interrupted_deletion_are_cleaned_up(lesson: Path, tmp_path: Path, monkeypatch):
    from lessonkit import output

    out = tmp_path / "out"
    leftover = tmp_path / ".out.old-99999-abcdef12"
    (leftover / "sub").mkdir(parents=True)
    (leftover / "sub/page.html").write_text("old")
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    assert leftover.exists()  # replaced moments ago: its deletion may still be running
    monkeypatch.setattr(output, "LEFTOVER_SECONDS", -1)  # as if a minute had passed
    forget_last_build(lesson)
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    assert not leftover.exists()


def test_touched_files_are_recorded_so_the_next_process_need_not_read_them(lesson: Path, tmp_path: Path):
    from lessonkit.readers.page_cache import PageCache

    out = tmp_path / "out"
    _age(lesson)
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    _age(lesson, seconds=1800)  # as after a checkout: new times, same bytes
    assert Builder(lesson, BuildOptions(out=out)).build().ok
    cache = PageCache.load(lesson / ".lessonkit")
    page = lesson / "episodes/counting-cells.md"
    assert cache.stats["episodes/counting-cells.md"][0] == page.stat().st_mtime_ns
    assert cache.unchanged(lesson, ("episodes/counting-cells.md", "episode", "counting-cells")) is not None


def _new_process_build(lesson: Path, out: Path):
    """A build as a new `lessonkit build` process starts it: nothing in memory, caches from disk."""
    result = Builder(lesson, BuildOptions(out=out)).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return result


def test_a_learner_page_title_edit_changes_every_pages_menu(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    _new_process_build(lesson, out)
    setup = lesson / "learners/setup.md"
    text = setup.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    setup.write_text(text.replace(title, "title: 'Getting your laptop ready'"))
    again = _new_process_build(lesson, out)
    assert again.pages_rendered >= 1
    pages = [p for p in out.rglob("*.html") if p.name != "404.html"]
    assert pages and all("Getting your laptop ready" in p.read_text() for p in pages), \
        [p.name for p in pages if "Getting your laptop ready" not in p.read_text()]


def test_editing_a_glossary_term_changes_the_pages_that_link_it(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = _new_process_build(lesson, out)
    assert not [d for d in first.diagnostics if d.rule == "link-anchor-missing"]
    reference = lesson / "learners/reference.md"
    reference.write_text(reference.read_text().replace("Cell density\n", "Cell concentration\n"))
    again = _new_process_build(lesson, out)
    broken = [d for d in again.diagnostics if d.rule == "link-anchor-missing"]
    assert [d.path for d in broken] == ["episodes/counting-cells.md"] and "cell-density" in broken[0].message
    assert 'id="cell-concentration"' in (out / "reference.html").read_text()


def test_deleting_an_episode_removes_its_page_and_its_search_entries(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    _new_process_build(lesson, out)
    assert "blocks-and-tabs.html" in (out / "assets/search-index.js").read_text()
    config = lesson / "config.yaml"
    config.write_text(config.read_text().replace("- blocks-and-tabs.md\n", ""))
    (lesson / "episodes/blocks-and-tabs.md").unlink()
    again = Builder(lesson, BuildOptions(out=out)).build()
    assert again.ok
    assert not (out / "blocks-and-tabs.html").exists() and not (out / "instructor/blocks-and-tabs.html").exists()
    assert "blocks-and-tabs.html" not in (out / "assets/search-index.js").read_text()
    assert "blocks-and-tabs" not in (out / "assets/nav.js").read_text()


def test_an_edit_in_a_new_process_opens_only_the_edited_page(lesson: Path, tmp_path: Path):
    """Cached pages are lazy: after one edit, a new process parses that page and no other (but the
    pages whose code chunks execution looks at)."""
    out = tmp_path / "out"
    _age(lesson)
    _new_process_build(lesson, out)
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("Seeding density matters", "Seeding density is crucial"))
    builder = Builder(lesson, BuildOptions(out=out))
    result = builder.build()
    assert result.ok and result.pages_rendered == 1
    live = builder.page_caches[lesson.resolve()].live.values()
    opened = sorted(p.source for p in live if p.loaded and not p.has_chunks)
    assert opened == ["episodes/counting-cells.md"]
    assert len([p for p in live if not p.loaded]) >= 6


def test_an_edit_reads_no_other_pages_record_and_updates_every_gathering_page(lesson: Path, tmp_path: Path,
                                                                              monkeypatch):
    """The all-in-one, key points, figures, instructor notes and search pages are joined from the parts
    packs (lessonkit.site.records): an edit opens no other page's rendered record."""
    from lessonkit.site import records
    from lessonkit.site.builder import BuildState

    out = tmp_path / "out"
    _new_process_build(lesson, out)
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("Seeding density matters", "Seeding DENSITY matters"))
    opened: list[str] = []
    load = records.RecordStore._load
    monkeypatch.setattr(records.RecordStore, "_load", lambda self, key: opened.append(key) or load(self, key))
    result = _new_process_build(lesson, out)
    infos = BuildState.load(lesson / ".lessonkit").infos
    # the home page and the instructor notes show a lesson page of their own beside what they gather
    sources = {source for source, info in infos.items() if info.key in opened}
    assert result.pages_rendered == 1 and sources <= {"index.md", "instructors/instructor-notes.md"}, sources
    for name in ("aio.html", "instructor/aio.html", "assets/search-index.js"):
        assert "Seeding DENSITY matters" in (out / name).read_text(), name
    assert "blocks-and-tabs" in (out / "aio.html").read_text()  # the other episodes' parts are still there


def test_a_missing_parts_pack_renders_the_pages_again(lesson: Path, tmp_path: Path):
    out = tmp_path / "out"
    _new_process_build(lesson, out)
    before = (out / "key-points.html").read_text()
    (lesson / ".lessonkit/parts/key-points.learner.msgpack").unlink()
    forget_last_build(lesson)
    again = _new_process_build(lesson, out)
    assert again.pages_rendered == 10 and (out / "key-points.html").read_text() == before


def test_an_edit_to_prose_does_not_highlight_the_pages_code_again(lesson: Path, tmp_path: Path, monkeypatch):
    """Making a Pygments lexer costs a new process more than the page: highlighted blocks are kept per page."""
    from lessonkit.site import highlight

    out = tmp_path / "out"
    page = lesson / "episodes/counting-cells.md"
    noon = 1796126400  # 2026-12-01 12:00 UTC: the page's "Last updated" date is the same before and after
    os.utime(page, (noon, noon))
    _new_process_build(lesson, out)
    before = (out / "counting-cells.html").read_text()
    page.write_text(page.read_text().replace("Seeding density matters", "Seeding density REALLY matters"))
    os.utime(page, (noon + 60, noon + 60))
    made: list[str] = []
    real = highlight._highlight
    monkeypatch.setattr(highlight, "_highlight", lambda code, language: made.append(code) or real(code, language))
    _new_process_build(lesson, out)
    after = (out / "counting-cells.html").read_text()
    assert made == [] and "REALLY" in after
    assert after.replace("Seeding density REALLY matters", "Seeding density matters") == before
    text = page.read_text()
    page.write_text(text.replace("```python\n", "```python\n# a new first line\n", 1))
    _new_process_build(lesson, out)
    assert len(made) == 1 and "a new first line" in made[0]  # only the block that changed


def test_an_edit_scans_only_the_edited_page_in_a_lesson_with_illustrations(tmp_path: Path, monkeypatch):
    """The figure rules (illustrations.yaml) keep each page's figures between builds: a new process that
    checks one edited page does not scan every page again."""
    from lessonkit.checks import context as check_context
    from testsupport import ROOT, copy_lesson

    lesson = copy_lesson(ROOT / "lessons/managing-computational-projects", tmp_path / "lesson")
    assert (lesson / "illustrations.yaml").is_file()
    out = tmp_path / "out"
    options = BuildOptions(out=out, execution=ExecutionOptions(enabled=False))
    first = Builder(lesson, options).build()
    assert first.ok, [d.format() for d in first.diagnostics]
    page = sorted((lesson / "episodes").glob("*.md"))[1]
    page.write_text(page.read_text() + "\nOne more sentence.\n")
    scanned: list[str] = []
    real = check_context.scan_page
    monkeypatch.setattr(check_context, "scan_page", lambda p, *a: scanned.append(p.source) or real(p, *a))
    again = Builder(lesson, options).build()
    assert again.ok and scanned == [page.relative_to(lesson).as_posix()]
    assert sorted(d.rule for d in again.diagnostics) == sorted(d.rule for d in first.diagnostics)


def test_a_prose_edit_leaves_the_gathering_pages_alone_and_a_key_point_edit_updates_them(lesson: Path,
                                                                                          tmp_path: Path):
    """The key points, figures and instructor notes pages are keyed by the parts they gather: a prose edit
    keeps them (hard links to the previous output, their packs not even opened); an edit to a key point
    rewrites the key points pages only, as a clean build would make them."""
    from lessonkit.site import records

    out = tmp_path / "out"
    _new_process_build(lesson, out)
    gathering = ["key-points.html", "instructor/key-points.html", "images.html", "instructor/instructor-notes.html"]
    inodes = {name: (out / name).stat().st_ino for name in gathering}
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("Seeding density matters", "Seeding density is crucial"))
    opened: list[str] = []
    pack = records.PartStore._pack
    records.PartStore._pack = lambda self, name: opened.append(name) or pack(self, name)
    try:
        result = _new_process_build(lesson, out)
    finally:
        records.PartStore._pack = pack
    assert result.pages_rendered == 1
    assert {name: (out / name).stat().st_ino for name in gathering} == inodes
    assert opened == []
    assert "Seeding density is crucial" in (out / "aio.html").read_text()

    page.write_text(page.read_text().replace("Count at least two squares", "Count at least three squares"))
    _new_process_build(lesson, out)
    for name in ("key-points.html", "instructor/key-points.html"):
        assert (out / name).stat().st_ino != inodes[name]
        assert "Count at least three squares" in (out / name).read_text()
    for name in ("images.html", "instructor/instructor-notes.html"):
        assert (out / name).stat().st_ino == inodes[name]
    clean = tmp_path / "clean"
    shutil.copytree(lesson, clean, ignore=shutil.ignore_patterns(".lessonkit"))
    _new_process_build(clean, tmp_path / "clean-out")
    for name in gathering:
        assert (out / name).read_bytes() == (tmp_path / "clean-out" / name).read_bytes(), name


def test_the_lessons_metadata_is_rewritten_only_when_what_it_describes_changes(lesson: Path, tmp_path: Path):
    """lesson.jsonld lists the episodes' titles and timings, not their text: a prose edit keeps the file,
    an edit to a title or to CITATION.cff rewrites it."""
    import json

    out = tmp_path / "out"
    _new_process_build(lesson, out)
    before = (out / "lesson.jsonld").stat().st_ino
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text().replace("Seeding density matters", "Seeding density is crucial"))
    _new_process_build(lesson, out)
    assert (out / "lesson.jsonld").stat().st_ino == before
    text = page.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    page.write_text(text.replace(title, "title: 'Counting cells by hand'", 1))
    _new_process_build(lesson, out)
    assert "Counting cells by hand" in json.dumps(json.loads((out / "lesson.jsonld").read_text()))
    renamed = (out / "lesson.jsonld").stat().st_ino
    cff = lesson / "CITATION.cff"
    cff.write_text(cff.read_text() + 'abstract: "Counting cells, by hand and by code."\n')
    _new_process_build(lesson, out)
    assert (out / "lesson.jsonld").stat().st_ino != renamed
    assert "Counting cells, by hand and by code." in (out / "lesson.jsonld").read_text()


@pytest.mark.parametrize("damage", ["pack entry", "record file"])
def test_a_cache_that_lacks_what_its_state_names_is_rebuilt_not_a_crash(lesson: Path, tmp_path: Path, damage: str):
    """A build stopped while it saved its cache (the packs written, the state not), or a cache file
    damaged by hand: the next build that needs the missing part renders every page again (a note says
    so), its output is a clean build's, and the build after it is incremental again."""
    from lessonkit.cache import load_data, save_data
    from lessonkit.site.builder import _state_signature

    out, cache = tmp_path / "out", tmp_path / "cache"
    options = BuildOptions(out=out, cache=cache, execution=ExecutionOptions(enabled=False))
    assert Builder(lesson, options).build().ok
    if damage == "pack entry":
        for view in ("learner", "instructor"):
            pack = cache / "parts" / f"key-points.{view}.msgpack"
            entries = load_data(pack, "page-parts", _state_signature())
            entries.pop(sorted(entries)[0])
            entries.pop(sorted(entries)[0])
            save_data(pack, "page-parts", _state_signature(), entries)
    else:  # damaged: there, but not readable
        for record in (cache / "records").glob("*.msgpack"):
            record.write_bytes(b"not a record")
    forget_last_build(lesson)
    episode = lesson / "episodes" / "blocks-and-tabs.md"
    episode.write_text(episode.read_text().replace("- Blocks are fenced divs.", "- Blocks are fenced divs, edited."))
    if damage == "record file":  # the episodes in another order: new pagers, pages written again from records
        config = lesson / "config.yaml"
        config.write_text(config.read_text().replace("- counting-cells.md\n- blocks-and-tabs.md\n",
                                                      "- blocks-and-tabs.md\n- counting-cells.md\n"))
    result = Builder(lesson, options).build()
    assert result.ok, result.diagnostics
    notes = [d for d in result.diagnostics if d.rule == "cache-incomplete"]
    assert len(notes) == 1 and str(notes[0].severity) == "info" and "rendered again" in notes[0].message
    assert result.pages_rendered == result.pages_rendered + result.pages_reused  # every page
    clean = Builder(lesson, BuildOptions(out=tmp_path / "clean", cache=tmp_path / "clean-cache",
                                         execution=ExecutionOptions(enabled=False))).build()
    assert clean.ok
    assert {k: v for k, v in snapshot(out).items() if k != ".lessonkit-site"} == \
        {k: v for k, v in snapshot(tmp_path / "clean").items() if k != ".lessonkit-site"}
    forget_last_build(lesson)
    episode.write_text(episode.read_text().replace("edited.", "edited again."))
    again = Builder(lesson, options).build()
    assert again.ok and again.pages_rendered == 1
    assert not [d for d in again.diagnostics if d.rule == "cache-incomplete"]
