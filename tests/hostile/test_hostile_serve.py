"""#11.12: ``lessonkit serve`` answers bad paths with 404, lists no folder and checks Host."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from lessonkit.serve import Server, host_allowed


def request(server: Server, path: str, host: str | None = "127.0.0.1", method: str = "GET") -> tuple[int, bytes]:
    address, port = server.httpd.server_address[:2]
    with socket.create_connection((address, port), timeout=10) as sock:
        head = f"{method} {path} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host is not None else "")
        sock.sendall((head + "Connection: close\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data, f"no answer to {method} {path!r}"
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


@pytest.fixture
def server(tmp_path: Path):
    site = tmp_path / "site"
    (site / "fig").mkdir(parents=True)
    (site / "fig" / "a.png").write_bytes(b"png")
    (site / "index.html").write_text("<html><body>home</body></html>")
    (site / "404.html").write_text("<html><body>custom not found</body></html>")
    running = Server(site, "127.0.0.1", 0).start()
    yield running
    running.stop()


@pytest.mark.parametrize("path", ["/%00", "/%00/index.html", "/index.html%00.png", "/fig%2f..%2f..%2fetc",
                                  "/%ff%fe", "/..%5c..%5cetc%5cpasswd", "/fig/%0a"])
def test_bad_paths_get_404(server: Server, path: str):
    for method in ("GET", "HEAD"):
        status, _ = request(server, path, method=method)
        assert status == 404, (method, path)


def test_folders_are_never_listed(server: Server):
    status, body = request(server, "/fig/")
    assert status == 404 and b"a.png" not in body and b"custom not found" in body
    assert request(server, "/fig/a.png")[0] == 200
    assert request(server, "/")[0] == 200  # a folder with index.html shows its index


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "", None])
def test_other_host_names_are_refused_against_dns_rebinding(server: Server, host: str | None):
    status, body = request(server, "/", host=host)
    assert status == 403 and b"home" not in body
    assert request(server, "/__lessonkit/events", host=host)[0] == 403


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "lesson.localhost"])
def test_localhost_names_are_served(server: Server, host: str):
    status, body = request(server, "/", host=host)
    assert status == 200 and b"home" in body


def test_the_bound_name_is_allowed():
    assert host_allowed("mybox.lan:8000", frozenset({"mybox.lan"}))
    assert not host_allowed("mybox.lan.evil.example", frozenset({"mybox.lan"}))
    assert host_allowed("192.168.1.20:8000", frozenset())  # an address cannot be rebound
