"""Joined outputs updated in place (lessonkit.site.splice): the file written from the previous one
is byte for byte the file a full join would write, whatever changed between the two."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.output import StagedOutput
from lessonkit.site.splice import assemble

HEAD, TAIL = b"<head>", b"</tail>"


def joined(parts: list[tuple[str, bytes]], sep: bytes) -> bytes:
    return HEAD + sep.join(data for _, data in parts if data) + TAIL


def write(tmp: Path, name: str, pieces, old: Path | None) -> bytes:
    out = tmp / name
    staged = StagedOutput(out)
    if old is not None:  # the previous output holds the old file
        staged.previous, staged._previous_str = old, str(old)
    staged.splice("f.js", pieces)
    return (staged.stage / "f.js").read_bytes()


pages = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.binary(max_size=6)), max_size=8,
                 unique_by=lambda item: item[0])


@settings(max_examples=40, deadline=None)
@given(old_parts=pages, new_parts=pages, sep=st.sampled_from([b"", b","]))
def test_a_spliced_file_is_the_full_join(tmp_path_factory, old_parts, new_parts, sep):
    tmp = tmp_path_factory.mktemp("splice")
    made: list[str] = []

    def items(parts):
        return [(key, lambda data=data, key=key: made.append(key) or data) for key, data in parts]

    pieces, layout = assemble(HEAD, TAIL, items(old_parts), None, sep)
    first = write(tmp, "one", pieces, None)
    assert first == joined(old_parts, sep) and layout.size == len(first)
    previous = tmp / "previous"
    previous.mkdir()
    (previous / "f.js").write_bytes(first)

    # a page keeps its record key only while its part is the same; changed parts get a new key
    old = dict(old_parts)
    renamed = [(key if old.get(key) == data else key + "'", data) for key, data in new_parts]
    made.clear()
    pieces, again = assemble(HEAD, TAIL, items(renamed), layout, sep)
    second = write(tmp, "two", pieces, previous)
    assert second == joined(renamed, sep) and again.size == len(second)
    assert made == [key for key, _ in renamed if key not in old]  # unchanged parts are not made again


def test_unchanged_neighbours_are_copied_as_one_run():
    parts = [(str(i), f"<p>{i}</p>".encode()) for i in range(100)]
    _, layout = assemble(HEAD, TAIL, [(k, lambda d=d: d) for k, d in parts], None, b",")
    parts[50] = ("50'", b"<p>edited</p>")
    pieces, _ = assemble(HEAD, TAIL, [(k, lambda d=d: d) for k, d in parts], layout, b",")
    assert [type(p).__name__ for p in pieces] == ["bytes", "tuple", "bytes", "bytes", "bytes", "tuple", "bytes"]


def test_a_short_previous_file_is_an_error_not_a_silent_truncation(tmp_path: Path):
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / "f.js").write_bytes(b"0123")
    with pytest.raises(OSError, match="shorter"):
        write(tmp_path, "out", [b"x", (2, 10)], previous)
    assert (previous / "f.js").read_bytes() == b"0123"
