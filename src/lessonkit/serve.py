"""``lessonkit serve``: build, serve on localhost, rebuild on change, reload the browser.

The server is the standard library's threading HTTP server.  HTML pages get a
tiny script (added while serving, never written into the site) that listens
on a server-sent-events stream and reloads the page after each successful
rebuild.  Watching uses watchfiles (Rust notify underneath).

The preview is for the author's own browser, so the server answers only requests
whose ``Host`` is a localhost name, an IP address or the address it was told to
listen on (a page on another site that re-points its DNS name at 127.0.0.1, "DNS
rebinding", gets 403 and cannot read the preview); it never lists a folder, and
answers any path it cannot map to a file (a NUL byte, an encoded ``/``) with 404.
"""

from __future__ import annotations

import ipaddress
import threading
import time
import urllib.parse
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RELOAD_PATH = "/__lessonkit/events"
#: A reload event's data is the site paths that changed ("*": any page may have): a page reloads when it is
#: one of them, so the page saved and shown at once (Builder.preview) is not reloaded again by the whole build.
#: The stream starts at the generation the page was served at (``since``, as ``server.generation``), so that
#: a change published between serving the page and opening its stream still reloads it, and a page served
#: by an earlier server (``lessonkit serve`` restarted) reloads at once.
RELOAD_SCRIPT = (
    "<script>(function(){if(!window.EventSource)return;var s=new EventSource('" + RELOAD_PATH + "?since=%s');"
    "var p=decodeURIComponent(location.pathname.replace(/^\\//,''));if(p===''||/\\/$/.test(p))p+='index.html';"
    "s.addEventListener('reload',function(e){var d=e.data;"
    "if(d==='*'||d.split('\\n').indexOf(p)!==-1)location.reload();});})();</script>"
)
STEP_MS = 15
IGNORED_PARTS = {".git", ".lessonkit", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv"}


class ReloadHub:
    """Counts what was published (a page shown at once, a whole build); waiting clients are woken when it
    changes and told which site paths changed (None: any)."""

    def __init__(self) -> None:
        self.server = f"{time.time_ns():x}"  # tells this server's generations from an earlier one's
        self.generation = 0
        self.condition = threading.Condition()
        self.closed = False
        self.changes: dict[int, tuple[str, ...] | None] = {}
        self.listeners = 0  # open event streams (pages that will reload)

    def stamp(self, generation: int) -> str:
        return f"{self.server}.{generation}"

    def bump(self, paths: list[str] | None = None) -> None:
        with self.condition:
            self.generation += 1
            self.changes[self.generation] = tuple(paths) if paths is not None else None
            self.changes.pop(self.generation - 64, None)
            self.condition.notify_all()

    def changed_since(self, seen: int) -> tuple[str, ...] | None:
        """The paths changed after generation ``seen`` (None: any, or too long ago to know)."""
        with self.condition:
            found: set[str] = set()
            for generation in range(seen + 1, self.generation + 1):
                paths = self.changes.get(generation)
                if paths is None:
                    return None
                found.update(paths)
            return tuple(sorted(found))

    def wait(self, seen: int, timeout: float) -> int:
        with self.condition:
            self.condition.wait_for(lambda: self.generation != seen or self.closed, timeout=timeout)
            return self.generation

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()


def host_allowed(header: str | None, allowed: frozenset[str]) -> bool:
    """Whether a request's Host header names this server: localhost names, IP addresses and
    the names in ``allowed`` (the address the server listens on)."""
    if not header:
        return False
    host = header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or host in allowed:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Handler(SimpleHTTPRequestHandler):
    hub: ReloadHub

    def __init__(self, *args, hub: ReloadHub, hosts: frozenset[str] = frozenset(),
                 overlay: dict[str, bytes] | None = None, **kwargs):
        self.hub = hub
        self.hosts = hosts
        self.overlay = overlay if overlay is not None else {}  # site path -> a page shown before the build ends
        super().__init__(*args, **kwargs)

    def _refused(self) -> bool:
        """Answer (and return True) a request that must not be served."""
        if not host_allowed(self.headers.get("Host"), self.hosts):
            self.send_error(HTTPStatus.FORBIDDEN, "Host not allowed",
                            "lessonkit serve answers only requests for localhost.")
            return True
        path = urllib.parse.unquote(self.path.split("?", 1)[0].split("#", 1)[0], errors="strict")
        if "\x00" in path or "\\" in path or any(ord(ch) < 32 for ch in path):
            self.send_error(HTTPStatus.NOT_FOUND)
            return True
        return False

    def translate_path(self, path: str) -> str:
        try:
            return super().translate_path(path)
        except (ValueError, UnicodeError):
            return str(Path(self.directory) / "\x00missing")

    def list_directory(self, path):  # never show a folder's contents
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def do_HEAD(self) -> None:
        try:
            if self._refused():
                return
            super().do_HEAD()
        except (ValueError, UnicodeError):
            self.send_error(HTTPStatus.NOT_FOUND)

    def log_message(self, format: str, *args) -> None:  # quiet: the terminal shows builds, not requests
        return

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        try:
            if self._refused():
                return
            if self.path.split("?")[0] == RELOAD_PATH:
                self._events()
                return
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                path = path / "index.html"
            if path.suffix == ".html" and (self._overlaid(path) is not None or path.is_file()):
                self._html(path)
                return
            super().do_GET()
        except (ValueError, UnicodeError):  # a path no file can have (NUL, undecodable bytes)
            self.send_error(HTTPStatus.NOT_FOUND)

    def _overlaid(self, path: Path) -> bytes | None:
        if not self.overlay:
            return None
        try:
            return self.overlay.get(path.relative_to(self.directory).as_posix())
        except ValueError:
            return None

    def _html(self, path: Path) -> None:
        generation = self.hub.generation  # before reading: a page published meanwhile reloads it again
        data = self._overlaid(path)
        try:
            data = data if data is not None else path.read_bytes()
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        marker = b"</body>"
        position = data.rfind(marker)
        if position != -1:
            data = data[:position] + (RELOAD_SCRIPT % self.hub.stamp(generation)).encode() + data[position:]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.NOT_FOUND:
            page = Path(self.directory) / "404.html"
            if page.is_file():
                data = page.read_bytes()
                self.send_response(HTTPStatus.NOT_FOUND)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        super().send_error(code, message, explain)

    def _since(self, current: int) -> int:
        """The generation the page's stream starts after: the last event it received (a reconnection), else
        the generation the page was served at, else now; -1 (reload at once) for a generation of an
        earlier server (``lessonkit serve`` restarted)."""
        given = self.headers.get("Last-Event-ID") or next(
            iter(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("since", [])), None)
        server, _, generation = (given or "").partition(".")
        if not (generation.isascii() and generation.isdigit() and len(generation) <= 18):
            return current  # none given, or not one of ours (int() refuses "²" and 5,000 digits)
        if server != self.hub.server:
            return -1
        return int(generation) if int(generation) <= current else current

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        with self.hub.condition:
            self.hub.listeners += 1
            current = self.hub.generation
            seen = self._since(current)
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not self.hub.closed:
                if seen == current:
                    current = self.hub.wait(seen, timeout=15)
                if current != seen:
                    paths = self.hub.changed_since(seen) if seen >= 0 else None
                    seen = current
                    if paths is None:
                        data = "*"
                    elif not paths:
                        continue
                    else:
                        data = "\ndata: ".join(paths)  # one data line per path: the event's data joins them with \n
                    self.wfile.write(f"id: {self.hub.stamp(current)}\nevent: reload\ndata: {data}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            return
        finally:
            with self.hub.condition:
                self.hub.listeners -= 1


class Server:
    """The static server for a built site, with the reload hub."""

    def __init__(self, out: Path, host: str = "127.0.0.1", port: int = 8000):
        self.out = out
        self.hub = ReloadHub()
        self.overlay: dict[str, bytes] = {}  # pages shown before the build that writes them has finished
        hosts = frozenset({host.lower().strip("[]"), "localhost", "127.0.0.1", "::1"})
        handler = partial(Handler, directory=str(out), hub=self.hub, hosts=hosts, overlay=self.overlay)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="lessonkit-http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.hub.close()
        self.httpd.shutdown()
        self.httpd.server_close()


def watch_filter(out: Path) -> Callable[[object, str], bool]:
    out = out.resolve()

    def accept(change: object, path: str) -> bool:
        p = Path(path)
        if out == p or out in p.parents:
            return False
        if any(part in IGNORED_PARTS or part.startswith(f".{out.name}.") for part in p.parts):
            return False
        return not p.name.endswith(("~", ".swp", ".swx", ".tmp")) and not p.name.startswith(".#")

    return accept


def watch(source: Path, out: Path, rebuild: Callable[[set[str]], None], stop: threading.Event) -> None:
    """Call ``rebuild(changed paths)`` after each batch of changes under ``source``."""
    from watchfiles import watch as watch_changes

    # step: how long the watcher waits for more changes after one (an editor's save is one burst of events)
    for changes in watch_changes(source, watch_filter=watch_filter(out), stop_event=stop, debounce=150,
                                 step=STEP_MS, raise_interrupt=False):
        rebuild({path for _, path in changes})
