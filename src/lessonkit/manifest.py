"""The no-change build: recognising, from ``stat()`` alone, that nothing a build reads has changed.

After a successful build, the manifest records every file and folder under the
source (their ``stat()``), what the build was asked to do (output folder,
options, lessonkit's own code, the Python environment), the output folder's
stamp, and the build's result (pages, diagnostics). The next build with the
same request first walks the source tree: when every file and folder is as
recorded (git's racy-clean rule applies: a file changed within two seconds of
the manifest being written is never trusted) and the output is the one that
build wrote, it prints the same result without reading, checking or rendering
anything.

This module imports only the standard library and the cache helpers, so that
a no-change build costs an interpreter start, one tree walk and one small file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lessonkit.cache import load_data, save_data

FILE = "build.msgpack"
KIND = "build-manifest"
RACY_NS = 2_000_000_000
SKIPPED = {"__pycache__", "node_modules"}
#: (cache folder, request) found changed by a check whose caller builds next in this process
#: (``lessonkit.entry``): that build's own check is then skipped, once.
KNOWN_CHANGED: set[tuple[Path, str]] = set()


@dataclass
class Manifest:
    request: str  # hash of what the build was asked to do and with what lessonkit
    tree: dict[str, list[int]]  # path relative to the source -> [mtime_ns, size, inode] (folders: size -1)
    token: str  # the output folder's stamp
    written_ns: int
    result: dict = field(default_factory=dict)  # html_pages, diagnostics, ...


def walk(source: Path, skip: set[str]) -> dict[str, list[int]] | None:
    """Every file and folder under ``source`` (hidden folders, the output and the cache left out)."""
    tree: dict[str, list[int]] = {}
    stack = [(str(source), "")]
    try:
        while stack:
            folder, prefix = stack.pop()
            with os.scandir(folder) as entries:
                for entry in entries:
                    name = entry.name
                    if name in SKIPPED or entry.path in skip:
                        continue
                    is_dir = entry.is_dir(follow_symlinks=True)
                    if is_dir and name[0] == ".":
                        continue  # .git, .lessonkit, .venv: not the lesson (hidden files such as .zenodo.json are)
                    st = entry.stat(follow_symlinks=True)
                    rel = prefix + name
                    if is_dir:
                        tree[rel + "/"] = [st.st_mtime_ns, -1, st.st_ino]
                        stack.append((entry.path, rel + "/"))
                    else:
                        tree[rel] = [st.st_mtime_ns, st.st_size, st.st_ino]
    except OSError:
        return None
    return tree


@cache
def code_stamp() -> str:
    """Changes when lessonkit's own files or the Python environment change (cheap: stat() only)."""
    digest = hashlib.blake2b(digest_size=12)
    package = Path(__file__).resolve().parent
    for folder, _, files in os.walk(package):
        for name in sorted(files):
            if name.endswith((".py", ".html", ".css", ".js", ".yaml", ".json", ".mo", ".csl")):
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                digest.update(f"{folder}/{name}:{st.st_mtime_ns}:{st.st_size}\n".encode())
    digest.update(sys.version.encode())
    here = os.getcwd()
    for entry in sys.path:  # packages installed or removed change their folder's modification time
        if not entry or entry == here:
            continue  # the working folder (``python -m``): often the lesson, whose mtime every build changes
        try:
            digest.update(f"{entry}:{os.stat(entry or '.').st_mtime_ns}".encode())
        except OSError:
            continue
    return digest.hexdigest()


def request_key(source: Path, out: Path, options: object) -> str:
    parts = [str(source), str(out), repr(options), os.environ.get("LESSONKIT_NO_EXECUTE", ""), code_stamp()]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def output_token(out: Path) -> str | None:
    from lessonkit.output import read_token

    return read_token(out)


def load(folder: Path) -> Manifest | None:
    data = load_data(folder / FILE, KIND, "1")
    try:
        return Manifest(str(data["request"]), dict(data["tree"]), str(data["token"]), int(data["written_ns"]),
                        dict(data["result"]))
    except (TypeError, KeyError, ValueError):
        return None


def unchanged(folder: Path, source: Path, out: Path, request: str, skip: set[str]) -> Manifest | None:
    """The manifest when nothing the last successful build read has changed since, else None."""
    found = load(folder)
    if found is None or found.request != request or output_token(out) != found.token:
        return None
    tree = walk(source, skip)
    if tree != found.tree:
        return None
    limit = found.written_ns - RACY_NS
    if any(stamp[0] >= limit for stamp in tree.values()):
        return None  # changed too close to the last build to be trusted from its stat
    return found


def record(folder: Path, source: Path, out: Path, request: str, skip: set[str], result: dict) -> None:
    """Remember a successful build (after its output was swapped in)."""
    token = output_token(out)
    tree = walk(source, skip)
    if token is None or tree is None:
        return
    save_data(folder / FILE, KIND, "1", {"request": request, "tree": tree, "token": token,
                                         "written_ns": time.time_ns(), "result": result})


def forget(folder: Path) -> None:
    with contextlib.suppress(OSError):
        (folder / FILE).unlink()
