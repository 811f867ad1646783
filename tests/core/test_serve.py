"""``lessonkit serve``: serving, live reload and rebuilding on change."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from lessonkit.serve import RELOAD_PATH, Server, watch_filter
from testsupport import FIXTURES, ProcessLog, copy_lesson, poll, save


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_server_injects_reload_script_and_serves_404(tmp_path: Path):
    (tmp_path / "index.html").write_text("<html><body><p>hi</p></body></html>")
    (tmp_path / "404.html").write_text("<html><body>custom not found</body></html>")
    (tmp_path / "data.csv").write_text("a,b\n")
    server = Server(tmp_path, "127.0.0.1", 0).start()
    try:
        status, body = fetch(server.url)
        assert status == 200 and RELOAD_PATH in body and body.index(RELOAD_PATH) < body.index("</body>")
        assert fetch(server.url + "data.csv") == (200, "a,b\n")
        status, body = fetch(server.url + "missing.html")
        assert status == 404 and "custom not found" in body
    finally:
        server.stop()
    assert RELOAD_PATH not in (tmp_path / "index.html").read_text()  # never written into the site


def test_watch_filter_ignores_output_cache_and_editor_files(tmp_path: Path):
    out = tmp_path / "site"
    accept = watch_filter(out)
    assert accept(None, str(tmp_path / "episodes/intro.md"))
    assert not accept(None, str(out / "index.html"))
    assert not accept(None, str(tmp_path / ".lessonkit/site-state.msgpack"))
    assert not accept(None, str(tmp_path / ".site.staging-12/x.html"))
    assert not accept(None, str(tmp_path / "episodes/.#intro.md"))
    assert not accept(None, str(tmp_path / "episodes/intro.md.swp"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_rebuilds_on_change(tmp_path: Path):
    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lessonkit", "serve", str(lesson), "--out", str(tmp_path / "site"), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    log = ProcessLog(process)
    try:
        url = f"http://127.0.0.1:{port}/"
        # the first build runs the fixture's Python and R chunks
        status, body = poll(lambda: fetch(url + "counting-cells.html"), timeout=120, what="the server")
        assert status == 200 and "Seeding density matters" in body
        episode = lesson / "episodes/counting-cells.md"
        edited = episode.read_text().replace("Seeding density matters", "Seeding density is crucial")

        written = tmp_path / "site/counting-cells.html"

        def rebuilt() -> bool:
            save(episode, edited)  # again until the watcher (which starts after serving) sees it
            # The whole build done, not only the page shown at once: a build still running could read
            # the broken edit below, and fail, and the site it keeps would be the first one.
            return poll(lambda: "Seeding density is crucial" in written.read_text(), timeout=2, what="the rebuild")

        poll(lambda: _quietly(rebuilt), what="the edit to be served")
        # A broken edit keeps the previous site being served.
        save(episode, "---\ntitle: Broken\n---\n\n::: challenge\n")
        log.wait_for("Build failed")
        status, body = fetch(url + "counting-cells.html")
        assert status == 200 and "Seeding density is crucial" in body
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.thread.join(timeout=30)
    assert "Rebuilt" in log.text and "Build failed" in log.text and "div-unclosed" in log.text
    assert "Traceback" not in log.text


def _quietly(check) -> bool:
    try:
        return bool(check())
    except AssertionError:
        return False


def test_serve_reports_a_port_in_use(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "lessonkit", "serve", str(lesson), "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 2 and "already in use" in result.stderr and "Traceback" not in result.stderr


# -- one saved page shown at once (Builder.preview), reload events naming what changed -------------


def _served_lesson(tmp_path: Path):
    from lessonkit.build import Builder, BuildOptions
    from lessonkit.execute import ExecutionOptions

    lesson = copy_lesson(FIXTURES / "workbench", tmp_path / "lesson")
    builder = Builder(lesson, BuildOptions(out=tmp_path / "site", persist=False,
                                           execution=ExecutionOptions(enabled=False)))
    assert builder.build().ok
    return lesson, builder


def test_the_page_shown_at_once_is_the_page_the_build_then_writes(tmp_path: Path):
    lesson, builder = _served_lesson(tmp_path)
    episode = lesson / "episodes/counting-cells.md"
    episode.write_text(episode.read_text().replace("Seeding density matters", "Seeding density is crucial"))
    shown = dict(builder.preview({str(episode)}))
    assert set(shown) == {"counting-cells.html", "instructor/counting-cells.html"}
    assert b"Seeding density is crucial" in shown["counting-cells.html"]
    assert b"Seeding density matters" in (tmp_path / "site/counting-cells.html").read_bytes()  # nothing written
    result = builder.build()
    assert result.ok
    for rel, data in shown.items():
        assert (tmp_path / "site" / rel).read_bytes() == data, rel
    written = set(result.lessons[0].site.written)
    assert set(shown) <= written and "blocks-and-tabs.html" not in written


def test_no_page_is_shown_at_once_when_other_pages_change_too(tmp_path: Path):
    lesson, builder = _served_lesson(tmp_path)
    episode = lesson / "episodes/counting-cells.md"
    text = episode.read_text()
    episode.write_text(text.replace('title: "Counting Cells"', 'title: "Counting Cells Again"'))
    assert builder.preview({str(episode)}) == []  # the title is in every page's menu
    episode.write_text(text + "\n::: challenge\n\nnever closed\n")
    assert builder.preview({str(episode)}) == []  # an error: the build will fail and keep the old page
    episode.write_text(text)
    other = lesson / "episodes/blocks-and-tabs.md"
    assert builder.preview({str(episode), str(other)}) == []
    assert builder.preview({str(lesson / "config.yaml")}) == []
    assert builder.preview({str(tmp_path / "elsewhere.md")}) == []


def test_reload_events_after_builds_name_the_paths_that_changed(tmp_path: Path):
    (tmp_path / "index.html").write_text("<body></body>")
    server = Server(tmp_path, "127.0.0.1", 0).start()
    received: list[bytes] = []
    try:
        host, port = server.httpd.server_address[:2]
        sock = socket.create_connection((host, port), timeout=10)
        sock.sendall(f"GET {RELOAD_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())

        def read() -> None:
            while b"data: *" not in b"".join(received):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received.append(chunk)

        reader = threading.Thread(target=read)
        reader.start()
        poll(lambda: server.hub.listeners == 1, what="the event stream to open")
        server.hub.bump(["a.html"])
        poll(lambda: b"data: a.html" in b"".join(received), what="the first event")
        server.hub.bump([])  # the build changed nothing shown: no event
        server.hub.bump(["b.html", "instructor/b.html"])
        poll(lambda: b"instructor/b.html" in b"".join(received), what="the second event")
        server.hub.bump(None)
        reader.join(timeout=10)
        sock.close()
    finally:
        server.stop()
    events = [e for e in b"".join(received).decode().split("\n\n") if "event: reload" in e]
    assert [e.split("event: reload\n")[1] for e in events] == [
        "data: a.html", "data: b.html\ndata: instructor/b.html", "data: *"]


def test_changes_since_a_generation():
    from lessonkit.serve import ReloadHub

    hub = ReloadHub()
    hub.bump(["a.html"])
    hub.bump(["b.html"])
    assert hub.changed_since(0) == ("a.html", "b.html") and hub.changed_since(1) == ("b.html",)
    hub.bump(None)
    assert hub.changed_since(1) is None and hub.changed_since(3) == ()


def test_a_page_in_the_overlay_is_served_in_place_of_the_file(tmp_path: Path):
    (tmp_path / "a.html").write_text("<body>old</body>")
    server = Server(tmp_path, "127.0.0.1", 0).start()
    try:
        server.overlay["a.html"] = b"<body>new</body>"
        status, body = fetch(server.url + "a.html")
        assert status == 200 and "new" in body and RELOAD_PATH in body
        server.overlay.clear()
        assert "old" in fetch(server.url + "a.html")[1]
    finally:
        server.stop()


def test_a_page_stream_starts_at_the_generation_the_page_was_served_at(tmp_path: Path):
    """A change published between serving a page and opening its event stream still reloads the page;
    a reconnection resumes after its last event; a page served by an earlier server reloads at once."""
    (tmp_path / "a.html").write_text("<body>a</body>")
    server = Server(tmp_path, "127.0.0.1", 0).start()
    try:
        server.hub.bump(["x.html"])
        _, body = fetch(server.url + "a.html")
        served = server.hub.stamp(1)
        assert f"{RELOAD_PATH}?since={served}'" in body  # served at generation 1
        server.hub.bump(["a.html"])  # before the page's stream opens
        server.hub.bump(["b.html"])
        now = server.hub.stamp(3)
        assert _first_event(server, f"?since={served}") == f"id: {now}\nevent: reload\ndata: a.html\ndata: b.html"
        assert _first_event(server, f"?since={served}", {"Last-Event-ID": server.hub.stamp(2)}) == (
            f"id: {now}\nevent: reload\ndata: b.html")
        assert _first_event(server, "?since=0a1b.1") == f"id: {now}\nevent: reload\ndata: *"  # another server's
        for odd in ("?since=nonsense", f"?since={server.hub.server}.99", "", f"?since={server.hub.server}.%C2%B2",
                    f"?since={server.hub.server}." + "9" * 5000):
            assert _first_event(server, odd, bump=["c.html"]).endswith("data: c.html")  # from now on
    finally:
        server.stop()


def _first_event(server: Server, query: str, headers: dict[str, str] | None = None,
                 bump: list[str] | None = None) -> str:
    """The first reload event of a new stream (after ``bump`` is published once the stream is open)."""
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        lines = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        sock.sendall(f"GET {RELOAD_PATH}{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n{lines}\r\n".encode())
        received = b""

        def until(text: bytes) -> None:
            nonlocal received
            while text not in received or not received.endswith(b"\n\n"):
                chunk = sock.recv(4096)
                assert chunk, received
                received += chunk

        if bump is not None:
            until(b"retry:")  # the stream is open, and knows where it starts
            server.hub.bump(bump)
        until(b"event: reload")
    return next(e for e in received.decode().split("\n\n") if "event: reload" in e)
