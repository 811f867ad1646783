"""Property-based tests: random and mutated Markdown, YAML and bytes — binary junk, very long
lines, deep nesting, BOMs, CRLF, invalid UTF-8 — never make the readers, the checks or the
renderer raise. 2,150 examples in all, deterministic (derandomized) so CI is repeatable."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit.build import Builder, BuildOptions
from lessonkit.checks import check_lesson
from lessonkit.checks.scan import scan
from lessonkit.diagnostics import Report
from lessonkit.execute import ExecutionOptions
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.markdown.frontmatter import load_yaml, split_front_matter
from lessonkit.model import Page
from lessonkit.readers import read_lesson
from lessonkit.readers.kramdown import KramdownReader
from lessonkit.readers.sources import decode
from lessonkit.site.body import render_body
from lessonkit.site.links import LinkResolver, SiteMap
from testsupport import FIXTURES

FRAGMENTS = [
    ":::", "::: challenge", "::::::::: solution", "::: {.callout #x data-a='1'}", ":::: {", "::: instructor",
    "```", "```python", "```{r chunk, eval=FALSE, fig.alt=\"x\"}", "```{python}", "~~~", "~~~~", "````",
    "> ## Title", "> > ## Solution", "> {: .solution}", "{: .challenge}", "{: .language-python}", "{: .output}",
    "{{ page.root }}", "{{ site.x.y }}", "{% include links.md %}", "{% if x %}", "{% link a.md %}", "{% raw %}",
    "# H1", "## H2 {#id}", "####### seven", "##", "Term", ":   Definition", "- [ ] task", "1. item",
    "![alt](fig/x.png){alt='quoted \\' alt'}", "![](missing.png)", "[t](#a)", "[t](../learners/setup.md#x)",
    "[ref][missing]", "[ref]: target.md", "[^1]", "[^1]: note", "$$", "$x^2$", "$$\\frac{1}{", "| a | b |",
    "|---|---|", "+---+---+", "| 1 | 2 |", "+===+===+", "<!--", "-->", "<table><tr><td>x</td></tr>", "<img src=x>",
    "---", "title: x", "teaching: five", "\t", "    indented", "\ufeff", "\x00", "\u202e", "é", "\r",
    "a" * 3000, "> " * 40 + "deep", ":::" * 100, "[" * 200, "`" * 50, "{" * 100 + "}" * 99,
]

markdown = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=40).map("\n".join)
binary = st.one_of(st.binary(max_size=2000), markdown.map(lambda t: t.encode("utf-8", "surrogatepass")),
                   st.builds(lambda a, b: a + b"\xff\xfe" + b, st.binary(max_size=100), st.binary(max_size=100)))
SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=900, **SETTINGS)
@given(markdown)
def test_markdown_never_raises(text: str):
    report = Report()
    nodes = parse_body(text, 1, "episodes/x.md", report)
    KramdownReader("_episodes/x.md", report).read(text, 1)
    scan(text, 1)
    page = Page(kind="episode", source="episodes/x.md", slug="x", title="X", body=nodes)
    render_body(page, LinkResolver(SiteMap(), page.source), {})
    for diagnostic in report:
        assert diagnostic.line >= 0 and diagnostic.rule and diagnostic.fix


@settings(max_examples=450, **SETTINGS)
@given(binary)
def test_bytes_never_raise(data: bytes):
    report = Report()
    text = decode(data, "episodes/x.md", report)
    front = split_front_matter(text, "episodes/x.md", report)
    parse_body(front.body, front.body_line, "episodes/x.md", report)


@settings(max_examples=400, **SETTINGS)
@given(st.one_of(markdown, st.text(max_size=300)))
def test_yaml_never_raises(text: str):
    report = Report()
    load_yaml(text, "config.yaml", report)
    split_front_matter("---\n" + text + "\n---\nbody", "x.md", report)


_WORK = Path(tempfile.mkdtemp(prefix="lessonkit-fuzz-"))
shutil.copytree(FIXTURES / "broken" / "clean", _WORK / "lesson")
shutil.copytree(FIXTURES / "styles", _WORK / "styles")


@settings(max_examples=300, **SETTINGS)
@given(episode=binary, config=st.one_of(st.none(), markdown.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_whole_lessons_never_raise(episode: bytes, config: bytes | None):
    lesson_dir = _WORK / "lesson"
    (lesson_dir / "episodes/intro.md").write_bytes(episode)
    original = (FIXTURES / "broken" / "clean" / "config.yaml").read_bytes()
    (lesson_dir / "config.yaml").write_bytes(original if config is None else config)
    lesson = read_lesson(lesson_dir)
    if lesson.format != "unknown":
        check_lesson(lesson)
    styles_episode = _WORK / "styles" / "_episodes" / "01-pipettes.md"
    styles_episode.write_bytes(episode)
    check_lesson(read_lesson(_WORK / "styles"))


@settings(max_examples=100, **SETTINGS)
@given(binary)
def test_builds_of_random_episodes_never_raise(episode: bytes):
    lesson_dir = _WORK / "lesson"
    (lesson_dir / "config.yaml").write_bytes((FIXTURES / "broken" / "clean" / "config.yaml").read_bytes())
    (lesson_dir / "episodes/intro.md").write_bytes(episode)
    result = Builder(lesson_dir, BuildOptions(out=_WORK / "site", cache=_WORK / "cache",
                                              execution=ExecutionOptions(enabled=False))).build()
    if result.ok:
        assert (_WORK / "site/intro.html").is_file()
    else:
        assert any(d.severity == 2 for d in result.diagnostics)
