"""Whatever a workshop file or a schedule holds, reading it gives diagnostics, never an exception."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wssupport import CONFIG, WORKSHOP, write_lesson, write_workshop

from lessonkit.readers import read_lesson
from lessonkit.schedules import lesson_schedules, schedule_diagnostics
from lessonkit.workshop import load_workshop
from lessonkit.workshop.timetable import fit

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["25:00", "2026-02-30", "13:00", "Europe/London", "-1",
                                                           "../lesson", "masterclass-3h", "01-intro.md"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
BASE_WORKSHOP = yaml.safe_load(WORKSHOP)
BASE_CONFIG = yaml.safe_load(CONFIG)


def _replace(data, path: list, value):
    """``data`` with the value at ``path`` (indexes taken modulo the container size) replaced."""
    if not path or not isinstance(data, dict | list) or not data:
        return value
    if isinstance(data, dict):
        key = sorted(data, key=str)[path[0] % len(data)]
        return {**data, key: _replace(data[key], path[1:], value)}
    index = path[0] % len(data)
    return [*data[:index], _replace(data[index], path[1:], value), *data[index + 1:]]


settings_ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                              HealthCheck.too_slow])


@settings_
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=4), value=VALUES)
def test_workshop_files(tmp_path_factory, path: list, value):
    base = tmp_path_factory.mktemp("fuzz")
    text = yaml.safe_dump(_replace(BASE_WORKSHOP, path, value), allow_unicode=True)
    workshop, found = load_workshop(write_workshop(base, text), today=date(2026, 12, 1))
    assert workshop is not None or found
    if workshop is not None:
        fit(workshop)


@settings_
@given(text=st.text(max_size=200))
def test_any_text_as_a_workshop_file(tmp_path_factory, text: str):
    base = tmp_path_factory.mktemp("fuzz-text")
    path = write_workshop(base, text, lesson=False)
    workshop, found = load_workshop(path)
    assert workshop is None and found


@settings_
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=5), value=VALUES)
def test_schedules_in_config(tmp_path_factory, path: list, value):
    base = tmp_path_factory.mktemp("fuzz-config")
    config = dict(BASE_CONFIG)
    config["schedules"] = _replace(BASE_CONFIG["schedules"], path, value)
    root = write_lesson(base / "lesson", yaml.safe_dump(config, allow_unicode=True))
    lesson = read_lesson(root)
    lesson_schedules(lesson)
    for d in schedule_diagnostics(lesson):
        assert d.path == "config.yaml" or d.path.startswith("episodes/")
        assert d.line >= 1 or d.path != "config.yaml"


def test_a_file_that_is_a_folder(tmp_path: Path):
    (tmp_path / "w.yaml").mkdir()
    workshop, [d] = load_workshop(tmp_path / "w.yaml")
    assert workshop is None and d.rule == "workshop-file"


def test_a_file_that_is_not_utf8(tmp_path: Path):
    (tmp_path / "w.yaml").write_bytes(b"title: \xff\xfe")
    workshop, [d] = load_workshop(tmp_path / "w.yaml")
    assert workshop is None and "UTF-8" in d.message


def test_a_billion_laughs(tmp_path: Path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 9)]
    (tmp_path / "w.yaml").write_text("\n".join(lines) + "\n")
    workshop, found = load_workshop(tmp_path / "w.yaml")
    assert workshop is None and found[0].rule == "workshop-yaml" and "aliases" in found[0].message


def test_every_key_with_every_kind_of_value(tmp_path: Path):
    write_workshop(tmp_path)
    for key in BASE_WORKSHOP:
        for value in (5, "x", [1], {"a": 1}, None, True, [{"date": 5}], [[]]):
            data = {**BASE_WORKSHOP, key: value}
            path = write_workshop(tmp_path, yaml.safe_dump(data), lesson=False)
            workshop, found = load_workshop(path, today=date(2026, 12, 1))
            assert workshop is not None or found, (key, value)
            if workshop is not None:
                fit(workshop)
