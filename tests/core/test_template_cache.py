"""Compiled templates are kept in the user's cache between processes, sealed with the user's key: a new
process does not compile them again, and a file changed, foreign or stale is ignored (never run)."""

from __future__ import annotations

import os
from pathlib import Path

from jinja2 import DictLoader, Environment

from lessonkit import cache
from lessonkit.site.theme import TemplateCode


class _Counting(Environment):
    compiled = 0

    def compile(self, *args, **kwargs):
        type(self).compiled += 1
        return super().compile(*args, **kwargs)


def _render(folder: Path, source: str = "Hello {{ name }}!") -> tuple[str, int]:
    _Counting.compiled = 0
    env = _Counting(loader=DictLoader({"page.html": source}), bytecode_cache=TemplateCode(folder))
    return env.get_template("page.html").render(name="reader"), _Counting.compiled


def test_a_second_process_uses_the_compiled_template(tmp_path: Path):
    assert _render(tmp_path) == ("Hello reader!", 1)
    [kept] = tmp_path.iterdir()
    assert kept.suffix == ".code" and kept.read_bytes().startswith(cache.MAGIC)
    assert _render(tmp_path) == ("Hello reader!", 0)  # loaded, not compiled


def test_a_changed_template_is_compiled_again(tmp_path: Path):
    _render(tmp_path)
    assert _render(tmp_path, "Goodbye {{ name }}.") == ("Goodbye reader.", 1)


def test_a_tampered_file_is_ignored(tmp_path: Path):
    _render(tmp_path)
    [kept] = tmp_path.iterdir()
    raw = bytearray(kept.read_bytes())
    raw[-3] ^= 0x01  # one bit of the code
    kept.write_bytes(bytes(raw))
    assert _render(tmp_path) == ("Hello reader!", 1)


def test_a_file_sealed_with_another_key_is_ignored(tmp_path: Path, monkeypatch):
    _render(tmp_path)
    [kept] = tmp_path.iterdir()
    payload = cache.opened(kept.read_bytes())
    assert payload is not None
    monkeypatch.setattr(cache, "cache_key", lambda: b"k" * 32)
    kept.write_bytes(cache.sealed(payload))  # someone else's key (e.g. a file copied from elsewhere)
    monkeypatch.undo()
    assert _render(tmp_path) == ("Hello reader!", 1)


def test_the_user_cache_folder_must_be_the_users_alone(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = cache.user_cache("templates/x")
    assert folder == tmp_path / "lessonkit" / "templates" / "x" and (folder.stat().st_mode & 0o777) == 0o700
    os.chmod(folder, 0o777)
    assert cache.user_cache("templates/x") is None  # others could write there: not used


def test_site_templates_are_cached_there(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kept = TemplateCode.for_this_python()
    assert kept is not None and kept.folder.is_relative_to(tmp_path / "lessonkit" / "templates")
