"""Migration fidelity as an invariant (issue #12.7): whatever styles lesson the reader reads without
block errors migrates into a Workbench lesson that reads without block errors and has the same block
tree (kinds, nesting, counts). Checked on every styles lesson of the corpus and on generated kramdown
nestings: closing lines at the wrong depth, fenced code whose lines lack the '>' markers, lazy lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.migrate import migrate
from lessonkit.migrate.migrate import prefer_rmarkdown_sources
from lessonkit.migrate.writer import WorkbenchWriter
from lessonkit.model import Block, Node
from lessonkit.readers import read_lesson
from lessonkit.readers.kramdown import KramdownReader
from testsupport import CORPUS, corpus_lessons

#: Reader problems about the block structure. The invariant's condition is that the styles lesson has no
#: *errors* (warnings such as an unclosed code fence or a stray closing line are allowed); its conclusion
#: is that the migrated lesson has no errors and no block problem the styles lesson did not have.
BLOCK_PROBLEMS = {"div-unclosed", "div-unmatched-close", "code-fence-unclosed", "kramdown-unbalanced"}


def tree(nodes: list[Node]) -> list:
    return [(n.kind, tree(n.children)) for n in nodes if isinstance(n, Block)]


def block_errors(report: Report) -> list:
    return [(d.rule, d.path, d.line) for d in report if d.severity >= 2]


def block_problems(report: Report) -> set:
    return {d.rule for d in report if d.rule in BLOCK_PROBLEMS or d.severity >= 2}


def styles_lessons() -> list[Path]:
    return [p for p in corpus_lessons("styles") if p.name != "carpentries__styles"] + \
        [CORPUS / "carpentries__styles/bin/boilerplate"]


@pytest.mark.parametrize("source", styles_lessons(), ids=lambda p: p.parent.parent.name if p.name == "boilerplate"
                         else p.name)
def test_corpus_lessons_keep_their_block_tree(source: Path, tmp_path: Path):
    original = read_lesson(source)
    broken = {d.path for d in original.report if d.severity >= 2}
    result = migrate(source, tmp_path / "migrated")
    assert result.ok
    prefer_rmarkdown_sources(original, Report())
    migrated = read_lesson(tmp_path / "migrated")
    new_paths = {page.source: result.moves.get(page.source) for page in original.pages()}
    assert not block_errors(migrated.report) or broken, block_errors(migrated.report)
    compared = 0
    by_source = {page.source: page for page in migrated.pages()}
    for page in original.pages():
        target = by_source.get(new_paths.get(page.source) or "")
        if page.source in broken or target is None or page.kind == "extra":
            continue
        assert tree(target.body) == tree(page.body), page.source
        compared += 1
    assert compared >= len(original.episodes) - len(broken)


# -- generated kramdown nestings ------------------------------------------------------------------

KINDS = ["challenge", "solution", "callout", "discussion", "hint", "instructor", "checklist"]


@st.composite
def blocks(draw, depth: int = 0):
    kind = draw(st.sampled_from(KINDS))
    children = draw(st.lists(blocks(depth + 1), max_size=2)) if depth < 3 else []
    return {
        "kind": kind,
        "title": draw(st.booleans()),
        "lazy": draw(st.booleans()),  # a paragraph line without the '>' markers
        # fenced code: with the '>' markers, without them, with too few, or never closed
        "code": draw(st.sampled_from(["none", "marked", "unmarked", "half", "unclosed"])),
        "children": children,
        "shallow": depth > 0 and draw(st.booleans()),  # the closing line one '>' level too shallow
        "after": draw(st.sampled_from(["", "text", "blank"])),  # what follows the block's content
    }


def render(block: dict, depth: int) -> list[str]:
    inner = "> " * (depth + 1)
    lines = []
    if block["title"]:
        lines.append(f"{inner}## A {block['kind']}")
        lines.append(inner.rstrip())
    lines.append(f"{inner}Some text about {block['kind']}")
    if block["lazy"]:
        lines.append("continued lazily")
    if block["code"] != "none":
        lines += [inner.rstrip(), f"{inner}~~~"]
        code_prefix = {"marked": inner, "unmarked": "", "half": "> " * depth, "unclosed": inner}[block["code"]]
        lines += [f"{code_prefix}x = 1", f"{code_prefix}print(x)"]
        if block["code"] != "unclosed":
            lines += [f"{inner}~~~", f"{inner}{{: .language-python}}"]
    for child in block["children"]:
        lines.append(inner.rstrip())
        lines += render(child, depth + 1)
    if block["after"] == "text":
        lines.append(f"{inner}More text.")
    closing_depth = depth - 1 if block["shallow"] else depth
    lines.append(f"{'> ' * closing_depth}{{: .{block['kind']}}}")
    return lines


def page_text(top: list[dict]) -> str:
    lines = ["Intro paragraph.", ""]
    for block in top:
        lines += render(block, 0)
        lines += ["", "Between blocks.", ""]
    return "\n".join(lines)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(blocks(), min_size=1, max_size=3))
def test_generated_nestings_keep_their_block_tree(top: list[dict]):
    text = page_text(top)
    report = Report()
    nodes = KramdownReader("_episodes/x.md", report).read(text, 1)
    if block_errors(report):
        return  # the styles lesson is broken itself: the invariant is about lessons that read without errors
    written = WorkbenchWriter().nodes(nodes, 0)
    again = Report()
    migrated = parse_body(written, 1, "episodes/x.md", again)
    assert not block_errors(again), (text, written, block_errors(again))
    assert block_problems(again) <= block_problems(report) - {"kramdown-unbalanced"}, (text, written)
    assert tree(migrated) == tree(nodes), (text, written)


def test_the_two_named_patterns_read_and_migrate():
    # (a) a closing line one level too shallow: kramdown gives its class to the blockquote before it
    shallow = "> ## Q\n> text\n> > ## Deep\n> > answer\n> > > ## Deeper\n> > > x\n> {: .solution}\n{: .challenge}"
    # (b) fenced code in a blockquote whose lines lack the '>' marker
    unmarked = "> ## Q\n> text\n>\n> ~~~\nx = 1\n> ~~~\n> {: .language-python}\n{: .challenge}"
    for text in (shallow, unmarked):
        report = Report()
        nodes = KramdownReader("x.md", report).read(text, 1)
        again = Report()
        migrated = parse_body(WorkbenchWriter().nodes(nodes, 0), 1, "x.md", again)
        assert not block_problems(report) and not block_problems(again), (block_problems(report), text)
        assert tree(migrated) == tree(nodes) != []
    [challenge] = KramdownReader("x.md", Report()).read(unmarked, 1)
    assert "```python\nx = 1\n```" in challenge.children[0].text
