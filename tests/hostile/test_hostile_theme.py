"""A lesson's theme templates (``theme:`` in config.yaml) are Jinja code a pull request can change: they
run in Jinja's sandbox, so a template can write HTML but never run Python (issue #11, item 1: no file a
lesson can contain may make lessonkit run code), and a broken template is a diagnostic at its line, not
an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostilesupport import build, diagnosed, make_lesson

CONFIG = "title: Themed\ncarpentry: incubator\nlife_cycle: pre-alpha\ntheme: our-theme\nepisodes:\n- intro.md\n"


def themed(root: Path, footer: str) -> Path:
    return make_lesson(root, {"config.yaml": CONFIG, "our-theme/templates/footer.html": footer})


@pytest.mark.parametrize("payload", [
    "{{ cycler.__init__.__globals__.os.system('touch MARKER') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{% set x = namespace.__init__.__globals__ %}{{ x['__builtins__']['open']('MARKER', 'w') }}",
])
def test_a_theme_template_cannot_run_code(tmp_path: Path, payload: str):
    marker = tmp_path / "marker"
    lesson = themed(tmp_path / "lesson", "<p>footer</p>\n" + payload.replace("MARKER", str(marker)) + "\n")
    out = tmp_path / "out"
    built = build(lesson, out)
    assert not marker.exists()
    assert built.returncode == 1 and diagnosed(built, "our-theme/templates/footer.html:2", "theme-template"), \
        built.output[-2000:]
    assert "unsafe" in built.output and not out.exists()


@pytest.mark.parametrize(("footer", "line", "message"), [
    ("<p>a</p>\n<p>b</p>\n{% if %}\n", 3, "Expected an expression"),
    ("<p>{{ no_such_thing.field }}</p>\n", 1, "'no_such_thing' is undefined"),
    ("{% include 'missing.html' %}\n", 1, "missing.html"),
])
def test_a_broken_theme_template_is_a_diagnostic_at_its_line(tmp_path: Path, footer: str, line: int, message: str):
    lesson = themed(tmp_path / "lesson", footer)
    built = build(lesson, tmp_path / "out")
    assert built.returncode == 1, built.output[-2000:]
    assert diagnosed(built, f"our-theme/templates/footer.html:{line}", "theme-template"), built.output[-2000:]
    assert message in built.output


def test_a_theme_still_overrides_templates_in_the_sandbox(tmp_path: Path):
    lesson = themed(tmp_path / "lesson", '<footer class="ours">{{ _("Cite this lesson:") }} {{ links | length }}'
                                         '{% for link in links %}<a href="{{ link.href }}">{{ link.label }}</a>'
                                         "{% endfor %}</footer>\n")
    out = tmp_path / "out"
    built = build(lesson, out)
    assert built.returncode == 0, built.output[-2000:]
    page = (out / "index.html").read_text()
    assert '<footer class="ours">Cite this lesson:' in page
