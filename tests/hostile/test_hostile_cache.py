"""A lesson's committed cache folder (issue #11, item 1): a cache another key wrote, or one a contributor
forged, is ignored and rebuilt; links committed in or as the cache folder never make the build write
outside the lesson.

(``tests/core/test_cache_files.py`` has the plain-data and keyed-hash unit tests.)"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import msgpack
import pytest

from lessonkit import cache
from lessonkit.build import Builder, BuildOptions
from lessonkit.cache import cache_dir, load_data, save_data
from testsupport import FIXTURES

INJECTED = "<script>forged()</script>"


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    target = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", target)
    return target


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch) -> Path:
    """The user's own cache folder (where a lesson whose cache folder is refused is cached)."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def _forge(value, word: str):
    """``value`` (decoded msgpack) with every string holding ``word`` given a script after it."""
    if isinstance(value, str):
        return value.replace(word, word + INJECTED)
    if isinstance(value, list):
        return [_forge(v, word) for v in value]
    if isinstance(value, dict):
        return {k: _forge(v, word) for k, v in value.items()}
    return value


def _forge_folder(folder: Path, word: str, key: bytes) -> int:
    """Rewrite every cache file in ``folder`` with ``word`` forged and a keyed hash made with ``key``
    (as a contributor would, on their own machine, with their own key); returns how many changed."""
    changed = 0
    for path in folder.rglob("*.msgpack"):
        raw = path.read_bytes()
        payload = msgpack.unpackb(raw[len(cache.MAGIC) + cache.MAC_SIZE:], raw=False, strict_map_key=False)
        forged = msgpack.packb(_forge(payload, word), use_bin_type=True)
        if forged != raw[len(cache.MAGIC) + cache.MAC_SIZE:]:
            changed += 1
        mac = hashlib.blake2b(forged, key=key, digest_size=cache.MAC_SIZE).digest()
        path.write_bytes(cache.MAGIC + mac + forged)
    return changed


def test_a_forged_cache_committed_with_the_lesson_is_ignored_and_rebuilt(lesson: Path, tmp_path: Path,
                                                                        monkeypatch):
    """The contributor builds with their key, forges the rendered pages (and the no-change manifest, and
    the page and check caches) and commits ``.lessonkit``; CI builds a fresh checkout with its own key."""
    contributor, ci = b"c" * 32, b"i" * 32
    monkeypatch.setattr(cache, "cache_key", lambda: contributor)
    first = Builder(lesson, BuildOptions(out=tmp_path / "contributor-site")).build()
    assert first.ok and first.pages_rendered == 10
    assert _forge_folder(lesson / ".lessonkit", "Counting Cells", contributor) >= 3
    # The forgery is good enough to fool the contributor's own key: the attack is real ...
    monkeypatch.setattr(cache, "cache_key", lambda: contributor)
    fooled = Builder(lesson, BuildOptions(out=tmp_path / "fooled-site")).build()
    assert fooled.ok and fooled.pages_rendered < 10
    assert INJECTED in "".join(p.read_text() for p in (tmp_path / "fooled-site").rglob("*.html"))
    # ... and CI's key refuses every file of it: all pages rendered from the Markdown.
    monkeypatch.setattr(cache, "cache_key", lambda: ci)
    out = tmp_path / "ci-site"
    built = Builder(lesson, BuildOptions(out=out)).build()
    assert built.ok and built.pages_rendered == 10 and built.unchanged == 0
    pages = "".join(p.read_text() for p in out.rglob("*.html"))
    assert "Counting Cells" in pages and INJECTED not in pages
    # The caches were rebuilt with CI's key: the next build uses them.
    again = Builder(lesson, BuildOptions(out=out)).build()
    assert again.ok and again.pages_rendered == 0
    raw = (lesson / ".lessonkit/pages.msgpack").read_bytes()
    assert raw[len(cache.MAGIC):len(cache.MAGIC) + cache.MAC_SIZE] == hashlib.blake2b(
        raw[len(cache.MAGIC) + cache.MAC_SIZE:], key=ci, digest_size=cache.MAC_SIZE).digest()


def test_a_cache_folder_that_is_a_link_is_not_used(lesson: Path, tmp_path: Path, user_cache: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.msgpack").write_bytes(b"the user's file")
    os.symlink(outside, lesson / ".lessonkit")
    built = Builder(lesson, BuildOptions(out=tmp_path / "out")).build()
    assert built.ok and built.pages_rendered == 10
    assert sorted(p.name for p in outside.iterdir()) == ["keep.msgpack"]  # nothing written, nothing pruned
    assert (outside / "keep.msgpack").read_bytes() == b"the user's file"
    assert list(user_cache.rglob("pages.msgpack"))  # the build cached in the user's folder instead


@pytest.mark.parametrize("name", ["records", "parts", "highlight", "exec", "unknown"])
def test_a_cache_folder_holding_a_link_is_not_used(lesson: Path, tmp_path: Path, user_cache: Path, name: str):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "0123.msgpack").write_bytes(b"the user's file")
    (lesson / ".lessonkit").mkdir()
    os.symlink(outside, lesson / ".lessonkit" / name)
    built = Builder(lesson, BuildOptions(out=tmp_path / "out")).build()
    assert built.ok and built.pages_rendered == 10
    assert sorted(p.name for p in outside.iterdir()) == ["0123.msgpack"]  # records' pruning never reached it
    assert cache_dir(lesson) != lesson / ".lessonkit"


def test_a_committed_write_probe_link_truncates_nothing(lesson: Path, tmp_path: Path, user_cache: Path):
    """``.lessonkit/.write-test`` is the probe that checks the folder is writable; a link under that name
    would have truncated the file it points to (a user's ~/.bashrc, say)."""
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH=...\n")
    (lesson / ".lessonkit").mkdir()
    os.symlink(victim, lesson / ".lessonkit/.write-test")
    assert Builder(lesson, BuildOptions(out=tmp_path / "out")).build().ok
    assert victim.read_text() == "export PATH=...\n"


def test_saving_never_writes_through_a_committed_temporary_file_link(tmp_path: Path):
    """The temporary name is predictable (the process id): a link committed under it is replaced."""
    victim = tmp_path / "victim"
    victim.write_text("precious")
    folder = tmp_path / "records"
    folder.mkdir()
    path = folder / "0123.msgpack"
    os.symlink(victim, folder / f"0123.msgpack.{os.getpid()}.tmp")
    save_data(path, "page-record", "sig", {"html": "<p>x</p>"})
    assert victim.read_text() == "precious"
    assert load_data(path, "page-record", "sig") == {"html": "<p>x</p>"}
    assert not path.is_symlink() and not (folder / f"0123.msgpack.{os.getpid()}.tmp").exists()
