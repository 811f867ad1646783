"""#11.14: URL-valued config fields are http(s)/mailto only and never emitted otherwise;
maths never emits raw HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostilesupport import build, check, diagnosed, make_lesson

from lessonkit.diagnostics import Report
from lessonkit.model import LessonConfig
from lessonkit.readers import read_lesson
from lessonkit.readers.urls import check_config_urls, safe_href, url_problem
from lessonkit.site.markdown_html import to_mathml
from lessonkit.site.mathml import UnsafeMathML, sanitise_mathml

HOSTILE_CONFIG = """title: Hostile
episodes:
- intro.md
source: "javascript:alert(document.cookie)"
contact: "JavaScript:alert(2)"
url: "data:text/html,<script>alert(3)</script>"
feedback_url: "javascript:alert(4)"
license_url: " vbscript:msgbox(5)"
"""


def site_html(out: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in out.rglob("*.html"))


def test_dangerous_urls_in_config_are_errors_at_their_line(tmp_path: Path):
    lesson = make_lesson(tmp_path / "lesson", {"config.yaml": HOSTILE_CONFIG})
    run = build(lesson, tmp_path / "out")
    for line in (4, 5, 6, 7, 8):
        assert diagnosed(run, f"config.yaml:{line}", "config-url"), run.output
    assert run.returncode == 1 and not (tmp_path / "out").exists()
    assert diagnosed(check(lesson), "config.yaml:4", "config-url")
    config = read_lesson(lesson).config
    assert (config.source, config.contact, config.url) == ("", "", "")
    assert "feedback_url" not in config.extra and "license_url" not in config.extra


def test_a_url_without_scheme_is_a_warning_and_never_a_link(tmp_path: Path):
    config = "title: T\nepisodes:\n- intro.md\nsource: github.com/me/lesson\ncontact: me@example.org\n"
    lesson = make_lesson(tmp_path / "lesson", {"config.yaml": config})
    out = tmp_path / "out"
    run = build(lesson, out)
    assert run.returncode == 0 and diagnosed(run, "config.yaml:4", "config-url"), run.output
    html = site_html(out)
    assert 'href="github.com/me/lesson"' not in html
    assert 'href="mailto:me@example.org"' in html  # a plain address is fine


def test_styles_email_and_url_are_checked(tmp_path: Path):
    lesson = tmp_path / "styles"
    (lesson / "_episodes").mkdir(parents=True)
    (lesson / "_config.yml").write_text("title: S\nemail: 'javascript:alert(1)'\nurl: 'https://ok.example.org'\n")
    (lesson / "_episodes/01-intro.md").write_text("---\ntitle: Intro\n---\n\nText.\n")
    report = read_lesson(lesson).report
    assert ("_config.yml", 2, "config-url") in {(d.path, d.line, d.rule) for d in report}
    assert read_lesson(lesson).config.url == "https://ok.example.org"


@pytest.mark.parametrize("value", ["javascript:alert(1)", " javascript:x", "JAVASCRIPT:x", "java\tscript:x",
                                   "data:text/html,x", "vbscript:x", "https://a.org/\"onmouseover=x", "file:///etc"])
def test_url_problem_refuses(value: str):
    assert url_problem(value) is not None and safe_href(value) == ""


@pytest.mark.parametrize("value", ["https://github.com/me/lesson", "http://a.org", "mailto:me@example.org"])
def test_url_problem_accepts(value: str):
    assert url_problem(value) is None and safe_href(value) == value


def test_the_footer_never_links_a_bad_url_even_from_another_reader():
    from lessonkit.model import Lesson
    from lessonkit.site.metadata import footer_context

    config = LessonConfig(title="T", source="javascript:alert(1)", contact="javascript:alert(2)")
    config.extra = {"license_url": "javascript:alert(3)"}
    lesson = Lesson(root=Path("."), format="workbench", config=config, report=Report())
    rendered = repr(footer_context(lesson, set()))
    assert "javascript:" not in rendered


def test_check_config_urls_keeps_good_values():
    config = LessonConfig(source="https://github.com/me/l", contact="me@example.org", url="https://me.github.io/l")
    report = Report()
    check_config_urls(config, "", "config.yaml", report)
    assert not report.items and config.source == "https://github.com/me/l"


@pytest.mark.parametrize("latex", [r"\unicode{<script>alert(1)</script>}", r"\href{javascript:alert(1)}{x}",
                                   r"\style{background:url(javascript:alert(1))}{x}", r"\text{<img src=x onerror=alert(1)>}",
                                   r"\unicode{x\"><script>alert(1)</script>}", r"\mathrm{<svg onload=alert(1)>}"])
def test_maths_never_emits_raw_html(latex: str):
    for display in (False, True):
        html = to_mathml(latex, display)
        lowered = html.lower()
        assert "<script" not in lowered and "javascript:" not in lowered and "<img" not in lowered
        assert "<svg" not in lowered
        assert " style=" not in lowered and " href=" not in lowered


def test_ordinary_maths_is_kept():
    html = to_mathml(r"\frac{a}{b} \le \sqrt{x^2} \color{red}{y}", True)
    assert html.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">')
    assert "<mfrac>" in html and "<msqrt>" in html and 'mathcolor="red"' in html


def test_sanitiser_refuses_foreign_elements():
    with pytest.raises(UnsafeMathML):
        sanitise_mathml('<math xmlns="http://www.w3.org/1998/Math/MathML"><script>x</script></math>')
    with pytest.raises(UnsafeMathML):
        sanitise_mathml("<math><mi>&#x<script>;</mi></math>")
    kept = sanitise_mathml('<math><mi onclick="x" href="javascript:x" xlink:href="y" '
                           'xmlns:xlink="http://www.w3.org/1999/xlink">a</mi></math>')
    assert kept == f'<math xmlns="{"http://www.w3.org/1998/Math/MathML"}"><mi>a</mi></math>'


def test_hostile_maths_in_a_built_site(tmp_path: Path):
    body = "Inline $\\unicode{<script>alert(1)</script>}$ and\n\n$$\\href{javascript:alert(2)}{x}$$\n"
    lesson = make_lesson(tmp_path / "lesson", {"episodes/intro.md": "---\ntitle: M\nteaching: 1\nexercises: 0\n"
                                                                    "---\n\n" + body})
    out = tmp_path / "out"
    assert build(lesson, out).returncode == 0
    html = (out / "intro.html").read_text()
    assert "<script>alert(1)" not in html and "javascript:alert(2)" not in html
    assert "&lt;script&gt;alert(1)" in html  # shown as the LaTeX it was
