"""The Workbench body parser: fenced divs, chunks, titles and line numbers."""

from __future__ import annotations

from lessonkit.diagnostics import Report
from lessonkit.markdown.fenced_divs import parse_body
from lessonkit.model import Block, CodeChunk, Markdown


def parse(text: str, first_line: int = 1):
    report = Report()
    return parse_body(text, first_line, "episodes/x.md", report), report


def test_plain_markdown_is_one_run_with_its_line():
    nodes, report = parse("Hello\n\nworld", first_line=5)
    assert nodes == [Markdown("Hello\n\nworld", 5)]
    assert not report.items


def test_any_number_of_colons_and_nesting():
    text = (
        "intro\n"
        ":::::::::::::::: challenge\n"
        "## Challenge 1: Sum\n"
        "Add numbers.\n"
        ":::: solution\n"
        "## Solution\n"
        "Use +.\n"
        ":::::::::::::::::::::::::::::::::::::::::::\n"
        "::::\n"
        "outro"
    )
    nodes, report = parse(text)
    assert not report.items
    assert [type(n) for n in nodes] == [Markdown, Block, Markdown]
    challenge = nodes[1]
    assert challenge.kind == "challenge"
    assert challenge.title == "Challenge 1: Sum"
    assert challenge.title_level == 2
    assert challenge.title_line == 3
    assert (challenge.line, challenge.end_line) == (2, 9)
    solution = challenge.children[1]
    assert isinstance(solution, Block) and solution.kind == "solution"
    assert solution.title == "Solution"
    assert solution.children == [Markdown("Use +.", 7)]
    assert nodes[2] == Markdown("outro", 10)


def test_attribute_syntax_classes_id_and_pairs():
    nodes, _ = parse('::: {.callout .wide #note-1 data-x="a b" level=2}\nBody\n:::')
    block = nodes[0]
    assert block.kind == "callout"
    assert block.classes == ("callout", "wide")
    assert block.id == "note-1"
    assert block.attrs == {"data-x": "a b", "level": "2"}


def test_class_name_followed_by_attributes_and_trailing_colons():
    nodes, report = parse("::: challenge {#c1}\ntext\n:::\n\n::: callout :::\nx\n:::")
    assert nodes[0].kind == "challenge" and nodes[0].id == "c1"
    assert nodes[1].kind == "callout"
    assert not report.items


def test_fences_inside_code_blocks_are_text():
    text = "```markdown\n::: challenge\n```\n\n~~~~\n:::\n~~~~"
    nodes, report = parse(text)
    assert len(nodes) == 1 and isinstance(nodes[0], Markdown)
    assert not report.items


def test_fences_inside_html_comments_are_text():
    nodes, report = parse("<!--\n::: challenge\n-->\nafter")
    assert len(nodes) == 1 and isinstance(nodes[0], Markdown)
    assert not report.items


def test_unclosed_div_is_reported_at_its_opening_line():
    nodes, report = parse("a\n\n::: challenge\n## T\nbody", first_line=10)
    assert nodes[1].kind == "challenge"
    [d] = report.items
    assert (d.rule, d.line, d.path) == ("div-unclosed", 12, "episodes/x.md")
    assert "challenge" in d.message and d.fix


def test_stray_closing_fence_is_reported():
    _, report = parse("text\n:::\nmore", first_line=3)
    [d] = report.items
    assert (d.rule, d.line) == ("div-unmatched-close", 4)


def test_indented_fences_inside_list_items():
    nodes, _ = parse("1. step\n\n   ::: instructor\n   note\n   :::\n2. next")
    assert [n.kind for n in nodes if isinstance(n, Block)] == ["instructor"]


def test_rmarkdown_chunks_with_options():
    text = '```{r plot-1, echo=FALSE, fig.alt="A plot", fig.width=7, results=\'hide\'}\nplot(1)\n```'
    nodes, report = parse(text, first_line=20)
    [chunk] = nodes
    assert isinstance(chunk, CodeChunk)
    assert (chunk.engine, chunk.label, chunk.line) == ("r", "plot-1", 20)
    assert chunk.options == {"echo": False, "fig.alt": "A plot", "fig.width": 7, "results": "hide"}
    assert chunk.code == "plot(1)"
    assert not report.items


def test_quarto_style_options_and_exec_marker():
    nodes, _ = parse("```{python}\n#| label: first\n#| fig-alt: Scatter\nx = 1\n```\n\n```python {exec}\ny = 2\n```")
    first, second = [n for n in nodes if isinstance(n, CodeChunk)]
    assert first.options == {"label": "first", "fig.alt": "Scatter"}
    assert first.code == "x = 1"
    assert (second.engine, second.code) == ("python", "y = 2")


def test_plain_and_pandoc_attribute_fences_are_not_chunks():
    nodes, _ = parse("```{.python}\nx\n```\n\n```r\ny\n```")
    assert all(isinstance(n, Markdown) for n in nodes)


def test_bad_chunk_option_is_a_warning_not_a_crash():
    nodes, report = parse("```{r first, second}\nx\n```")
    assert isinstance(nodes[0], CodeChunk)
    assert [d.rule for d in report.items] == ["chunk-options"]


def test_unclosed_code_fence_warns_and_keeps_text():
    nodes, report = parse("```python\nx = 1\n")
    assert isinstance(nodes[0], Markdown) and "x = 1" in nodes[0].text
    assert [d.rule for d in report.items] == ["code-fence-unclosed"]


def test_heading_id_on_block_title_becomes_block_id():
    nodes, _ = parse("::: challenge\n## Sum things {#sum}\ntext\n:::")
    assert nodes[0].title == "Sum things" and nodes[0].id == "sum"


def test_tabs_keep_their_headings():
    nodes, _ = parse("::: group-tab\n### Windows\nA\n### Mac\nB\n:::")
    block = nodes[0]
    assert block.title is None
    assert "### Windows" in block.children[0].text


def test_attribute_values_with_escaped_quotes():
    from lessonkit.markdown.attributes import parse_attributes

    attrs = parse_attributes("{alt='It\\'s a \"plot\"' .wide}")
    assert attrs.pairs == {"alt": "It's a \"plot\""} and attrs.classes == ["wide"]


def test_python_spellings_of_logical_options():
    nodes, report = parse("```{python tidy, echo=False, eval=True, error=TRUE, fig.cap=None}\nx = 1\n```")
    [chunk] = nodes
    assert chunk.options == {"echo": False, "eval": True, "error": True, "fig.cap": None}
    assert chunk.label == "tidy" and not report.items


def test_quarto_label_names_the_chunk():
    nodes, _ = parse("```{python}\n#| label: first\nx = 1\n```")
    assert nodes[0].label == "first"
