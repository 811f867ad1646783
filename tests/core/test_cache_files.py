"""Cache files are plain data: a lesson that ships its own cache folder cannot make lessonkit run code
(issue #11, item 1), and a cache that fails its check is ignored and rebuilt."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import msgpack
import pytest

from lessonkit import codec
from lessonkit.build import Builder, BuildOptions
from lessonkit.cache import load_data, save_data
from lessonkit.readers import read_lesson
from testsupport import FIXTURES, ROOT


class _Payload:
    """Unpickling this runs code (writes a file): the attack a committed cache could carry."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    target = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", target)
    return target


def test_lesson_model_round_trips_through_plain_data(lesson: Path):
    pages = read_lesson(lesson).pages()
    data = codec.encode(pages)
    packed = msgpack.packb(data, use_bin_type=True)  # plain data: msgpack needs no custom types
    assert codec.decode(msgpack.unpackb(packed, raw=False)) == pages


def test_decoding_builds_only_allowed_types():
    with pytest.raises(codec.DecodeError):
        codec.decode({codec.TAG: "Popen", codec.FIELDS: [["rm", "-rf", "/"]]})
    with pytest.raises(codec.DecodeError):  # a known name with the wrong shape
        codec.decode({codec.TAG: "Markdown", codec.FIELDS: ["text"]})
    # A lesson's own mapping that happens to use the tag key survives as data.
    tricky = {codec.TAG: "Page", "x": 1}
    assert codec.decode(codec.encode(tricky)) == tricky


def test_cache_files_check_kind_and_signature(tmp_path: Path):
    path = tmp_path / "c.msgpack"
    save_data(path, "pages", "sig-1", {"a": [1, b"\x00"]})
    assert load_data(path, "pages", "sig-1") == {"a": [1, b"\x00"]}
    assert load_data(path, "pages", "sig-2") is None
    assert load_data(path, "site-state", "sig-1") is None
    path.write_bytes(b"\xc1 not msgpack")
    assert load_data(path, "pages", "sig-1") is None


def test_committed_cache_folder_never_runs_code(lesson: Path, tmp_path: Path):
    marker = tmp_path / "marker"
    cache = lesson / ".lessonkit"
    cache.mkdir()
    payload = pickle.dumps(_Payload(marker))
    # Every name a cache file has had, and the current ones, filled with a hostile pickle.
    for name in ("pages.pickle", "site-state.pickle", "checks.pickle", "pages.msgpack", "site-state.msgpack",
                 "checks.msgpack"):
        (cache / name).write_bytes(payload)
    (cache / "exec").mkdir()
    (cache / "exec" / "0123.pickle").write_bytes(payload)
    out = tmp_path / "out"
    result = Builder(lesson, BuildOptions(out=out)).build()
    assert result.ok and result.pages_rendered == 10
    assert not marker.exists()
    assert (out / "index.html").is_file()
    # The hostile files were ignored and replaced by real caches: a second build reuses them.
    again = Builder(lesson, BuildOptions(out=out)).build()
    assert again.ok and again.pages_rendered == 0
    assert not marker.exists()


#: The one module allowed marshal: compiled templates in the *user's* cache (never the lesson's), loaded only
#: from what ``cache.opened`` returns, i.e. a file sealed with this user's key (tests/core/test_template_cache.py).
SEALED_CODE = "src/lessonkit/site/theme.py"


def test_no_module_unpickles():
    """The class of bug is impossible: nothing in the package imports pickle (or shelve/marshal loads), except
    the template cache, which unmarshals only files sealed with this user's key."""
    offenders = []
    for path in (ROOT / "src" / "lessonkit").rglob("*.py"):
        text = path.read_text()
        rel = path.relative_to(ROOT).as_posix()
        names = ("pickle", "shelve", "dill", "cloudpickle") if rel == SEALED_CODE else (
            "pickle", "shelve", "marshal", "dill", "cloudpickle")
        if any(f"import {name}" in text for name in names):
            offenders.append(rel)
    assert offenders == []
    sealed = (ROOT / SEALED_CODE).read_text()
    assert sealed.count("marshal.loads(") == 1 and "payload = opened(" in sealed
    assert sealed.index("payload = opened(") < sealed.index("marshal.loads(payload")


def test_a_cache_written_with_another_users_key_is_ignored(lesson: Path, tmp_path: Path, monkeypatch):
    """Plain data can still lie: a committed check cache saying a page has no problems, or a committed
    rendered page holding HTML its Markdown does not. Only files carrying this user's key are trusted."""
    from lessonkit import cache

    out = tmp_path / "out"
    page = lesson / "episodes/counting-cells.md"
    page.write_text(page.read_text() + "\n[a broken link](missing-page.md)\n")
    first = Builder(lesson, BuildOptions(out=out)).build()
    assert "link-target-missing" in {d.rule for d in first.diagnostics}
    (lesson / ".lessonkit/build.msgpack").unlink()  # the no-change manifest: go through the checks again
    # The same files, as a contributor's machine would have written them (another key).
    monkeypatch.setattr(cache, "cache_key", lambda: b"k" * 32)
    again = Builder(lesson, BuildOptions(out=out)).build()
    assert again.pages_rendered == 10  # nothing of the other key's cache was used ...
    assert "link-target-missing" in {d.rule for d in again.diagnostics}  # ... and the checks ran again


def test_a_forged_or_truncated_cache_file_is_ignored(tmp_path: Path):
    from lessonkit import cache

    path = tmp_path / "c.msgpack"
    save_data(path, "pages", "sig", {"ok": True})
    raw = path.read_bytes()
    path.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))  # one bit of the data changed
    assert load_data(path, "pages", "sig") is None
    path.write_bytes(raw[: len(cache.MAGIC) + 4])
    assert load_data(path, "pages", "sig") is None
    path.write_bytes(raw)
    assert load_data(path, "pages", "sig") == {"ok": True}


def test_the_cache_key_is_private_and_kept(tmp_path: Path, monkeypatch):
    import os
    import stat

    from lessonkit import cache

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    cache.cache_key.cache_clear()
    try:
        key = cache.cache_key()
        path = tmp_path / "config/lessonkit/cache-key"
        assert path.read_bytes() == key and len(key) == 32
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        cache.cache_key.cache_clear()
        assert cache.cache_key() == key  # the next process finds it
        os.chmod(path, 0o644)  # readable by others: not a secret any more
        cache.cache_key.cache_clear()
        assert cache.cache_key() != key
    finally:
        cache.cache_key.cache_clear()
