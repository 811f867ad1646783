"""``lessonkit serve`` in a real browser: an open page reloads itself after an edit;
search also works from the file system (file://), with no server at all."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, expect

from lessonkit.build import Builder, BuildOptions
from testsupport import FIXTURES, copy_lesson, poll, save


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_open_page_reloads_after_an_edit(browser: Browser, tmp_path: Path):
    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "lessonkit", "serve", str(lesson), "--out", str(tmp_path / "site"),
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/counting-cells.html"
    try:
        # the first build runs the fixture's code chunks
        poll(lambda: urllib.request.urlopen(url, timeout=5).close() or True, timeout=180, what="the server")
        page = browser.new_page()
        page.goto(url)
        heading = page.locator("h2#why-count")
        expect(heading).to_have_text("Why count cells?")
        episode = lesson / "episodes/counting-cells.md"
        edited = episode.read_text().replace("## Why count cells? {#why-count}", "## Why count cells at all? {#why-count}")

        def reloaded() -> bool:
            # Written again until the watcher, which starts once the site is served, has seen it;
            # no navigation by the test: the page reloads itself when the rebuild is done.
            save(episode, edited)
            try:
                expect(heading).to_have_text("Why count cells at all?", timeout=3000)
            except AssertionError:
                return False
            return True

        poll(reloaded, timeout=90, every=0, what="the page to reload itself")
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_search_works_from_the_file_system(browser: Browser, tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    assert Builder(lesson, BuildOptions(out=tmp_path / "site")).build().ok
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "site/search.html").as_uri() + "?q=quokkaberry")
    results = page.locator("#search-results li a")
    expect(results).to_have_count(1)
    assert results.first.get_attribute("href") == "counting-cells.html#why-count"  # the section it is in
    expect(page.locator("#search-status")).to_have_text("1 result for “quokkaberry”.")
    page.goto((tmp_path / "site/search.html").as_uri() + "?q=nothingmatchesthis")
    expect(page.locator("#search-status")).to_have_text("No results for “nothingmatchesthis”.")
    assert errors == []
    page.close()


def test_a_page_reloads_only_when_the_event_names_it(browser: Browser, tmp_path: Path, monkeypatch):
    """The page saved is shown at once (its path alone in the event); the pages the whole build then
    rewrites reload after it, and "*" reloads every page."""
    from lessonkit import serve

    (tmp_path / "instructor").mkdir()
    for rel in ("a.html", "instructor/b.html"):
        (tmp_path / rel).write_text(f"<!doctype html><html lang='en'><head><title>{rel}</title></head><body>{rel}</body></html>")
    loads: list[str] = []
    original = serve.Handler._html
    monkeypatch.setattr(serve.Handler, "_html", lambda self, path: (loads.append(path.name), original(self, path)))
    server = serve.Server(tmp_path, "127.0.0.1", 0).start()
    try:
        a, b = browser.new_page(), browser.new_page()
        a.goto(server.url + "a.html")
        b.goto(server.url + "instructor/b.html")
        poll(lambda: server.hub.listeners == 2, what="both pages to listen")
        with a.expect_event("load"):
            server.hub.bump(["a.html"])
        poll(lambda: server.hub.listeners == 2, what="the reloaded page to listen again")
        with b.expect_event("load"):
            server.hub.bump(["instructor/b.html", "c.html"])
        poll(lambda: server.hub.listeners == 2, what="the reloaded page to listen again")
        with a.expect_event("load"), b.expect_event("load"):
            server.hub.bump(None)
        assert sorted(loads) == ["a.html"] * 3 + ["b.html"] * 3
        a.close()
        b.close()
    finally:
        server.stop()
