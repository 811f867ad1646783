"""#11.6: the line patterns of the checks and the readers take linear time, and agree with
the regular expressions they replaced on ordinary text."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from lessonkit.markdown import linear

OLD_ATX = re.compile(r"^( {0,3})(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
OLD_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
OLD_ATX2 = re.compile(r"^ {0,3}##(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
OLD_TABLE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
OLD_DIV = re.compile(r"^(\s*)(:{3,})\s*(.*?)\s*$")

heading_lines = st.text(alphabet=" #\tab:-", max_size=14)
table_lines = st.text(alphabet=" |:-a\t", max_size=14)
div_lines = st.text(alphabet=" :ab{}.", max_size=14)


def groups(m):
    return None if m is None else m.groups()


@settings(max_examples=600, deadline=None)
@given(heading_lines)
def test_atx_agrees_with_the_old_pattern(line: str):
    assert groups(linear.ATX.match(line)) == groups(OLD_ATX.match(line))
    assert groups(linear.ATX_HEADING.match(line)) == groups(OLD_ATX_HEADING.match(line))
    assert groups(linear.AtxOfLevel(2).match(line)) == groups(OLD_ATX2.match(line))


@settings(max_examples=600, deadline=None)
@given(table_lines)
def test_table_separator_agrees_with_the_old_pattern(line: str):
    assert bool(linear.TABLE_SEPARATOR.match(line)) == bool(OLD_TABLE.match(line))


@settings(max_examples=600, deadline=None)
@given(div_lines)
def test_div_fence_agrees_with_the_old_pattern(line: str):
    assert groups(linear.DIV_FENCE.match(line)) == groups(OLD_DIV.match(line))


def test_code_spans_follow_commonmark():
    spans = [m.group(0) for m in linear.CODE_SPAN.finditer("a `b` c ``d ` e`` f ```g``` `h")]
    assert spans == ["`b`", "``d ` e``", "```g```"]
    assert linear.CODE_SPAN.sub(lambda m: "_" * len(m.group(0)), "x `[a](b)` y") == "x ________ y"
    assert [m.group(0) for m in linear.CODE_SPAN.finditer("``a`")] == []


def test_html_links():
    line = 'see <a class="x" href="https://a.org/">A</a> and <A HREF=\'b.html\'>B</a>'
    found = [(m.group("url"), m.group("text"), m.start()) for m in linear.HTML_LINK.finditer(line)]
    assert found == [("https://a.org/", "A", 4), ("b.html", "B", line.index("<A"))]
    assert list(linear.HTML_LINK.finditer("<abbr>x</abbr> <a name=top>t</a>")) == []


def test_hostile_lines_take_linear_time():
    """Each of these took from 1 s to minutes with the old patterns (measured: 1,000 backticks
    40 s; 4,800 characters of '<a href=' 145 s); linear now, so 400 KB lines are instant.
    (A generous bound: this guards against a return to super-linear time, not a benchmark.)"""
    n = 400_000
    hostile = {
        "code span": (linear.CODE_SPAN.sub, ("", "`" * n)),
        "heading": (linear.ATX.match, ("# a" + " " * n + "a",)),
        "heading (titles)": (linear.ATX_HEADING.match, ("# a" + " " * n + "a",)),
        "table": (linear.TABLE_SEPARATOR.match, ("|-" + " " * n + "x",)),
        "div fence": (linear.DIV_FENCE.match, ("::: a" + " " * n + "b",)),
        "html link": (lambda line: list(linear.HTML_LINK.finditer(line)), ("<a href='x' " * (n // 12),)),
        "html tag": (lambda line: list(linear.HTML_LINK.finditer(line)), ("<a" * (n // 2) + ">",)),
    }
    for name, (function, args) in hostile.items():
        started = time.process_time()
        function(*args)
        assert time.process_time() - started < 5, name
