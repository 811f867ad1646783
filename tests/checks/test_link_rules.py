"""The link rules the Workbench has (issue #15.17) and the image/link bugs of #15.11, one snippet each."""

from __future__ import annotations

from lessonkit.checks import check_markdown


def spots(text: str, rule: str, **kwargs) -> list[tuple[int, int]]:
    return sorted((d.line, d.column) for d in check_markdown(text, rule, **kwargs))


def test_link_insecure_flags_http_except_localhost():
    text = ("[a](http://example.org) [b](https://example.org) [c](http://localhost:8000/x)\n"
            "[d](http://127.0.0.1/) ![e](http://example.org/e.png){alt='E'} <a href=\"http://example.com\">f</a>\n\n"
            "[g]: http://example.net")
    assert spots(text, "link-insecure") == [(1, 1), (2, 24), (2, 64), (4, 6)]
    [d] = check_markdown("[a](HTTP://Example.org/x)", "link-insecure")
    assert "https://" in d.fix


def test_link_protocol_reports_javascript_and_unknown_schemes():
    text = "[a](javascript:alert(1)) [b](htps://example.org) [c](mailto:a@b.org) [d](localhost:8888/tree)"
    found = check_markdown(text, "link-protocol")
    assert [(d.column, d.message.split(":")[0]) for d in found] == [(1, "javascript"), (26, "link 'htps"),
                                                                    (70, "link 'localhost")]
    assert check_markdown("[e](https://x.org) [f](doi:10.1000/1) [g](tel:+44) [h](C:/x)", "link-protocol") == []


def test_link_text_short_flags_one_character():
    text = "See [1](https://a.org), [R](https://r-project.org), [**R**](https://r.org) and [the R site](https://r.org)."
    assert spots(text, "link-text-short") == [(1, 5), (1, 25), (1, 53)]
    assert check_markdown("[![Logo](logo.png)](https://x.org)", "link-text-short") == []


def test_reference_links_are_reported_where_they_are_used():
    text = "Read [the guide][guide] and [again][guide].\n\nMore text.\n\n[guide]: missing.md"
    assert spots(text, "link-target-missing") == [(1, 6), (1, 29), (5, 10)]
    # defined in links.md: only the uses are in the page
    found = spots("See [the site][site].", "link-insecure", references={"SITE": {"href": "http://x.org"}})
    assert found == [(1, 5)]
    [undefined] = check_markdown("[text][nowhere]", "link-reference-undefined")
    assert "'[text][nowhere]'" in undefined.message


def test_image_alt_may_span_lines():
    """#15.11: the renderer reads a multi-line {alt=...}; the check must too."""
    text = "![](fig/x.png){\nalt='A bar chart of counts,\nrising from left to right'\nwidth='60%'}"
    assert check_markdown(text, "image-alt-missing") == []
    assert spots("Text\n\n![](fig/x.png){width='60%'}", "image-alt-missing") == [(3, 1)]


def test_image_with_link_text_on_two_lines_is_found():
    """#15.11: link-target-missing used to miss an image whose text spans two lines."""
    text = "![A long caption that goes on\nover a second line](fig/missing.png)"
    [d] = check_markdown(text, "link-target-missing")
    assert (d.line, d.column) == (1, 1) and "fig/missing.png" in d.message


def test_alt_on_a_reference_image_definition_is_honoured():
    """#15.11: ![Caption][fig] with [fig]: x.png {alt="..."} has the definition's alt text."""
    text = "![Caption][fig]\n\n![][bare]\n\n[fig]: fig/x.png {alt=\"A plot\"}\n[bare]: fig/y.png"
    assert spots(text, "image-alt-missing") == [(3, 1)]
    text = "![fig.png][fig]\n\n[fig]: fig.png {alt=\"A plot of counts\"}"
    assert check_markdown(text, "image-alt-filename") == []


def test_links_in_code_spans_and_blocks_are_not_links():
    text = "`[a](http://x.org)` and ``[b](http://x.org) ` `` text\n\n```\n[c](http://x.org)\n```\n\n    [d](http://x.org)"
    assert check_markdown(text, "link-insecure") == []
    assert spots("`unclosed [e](http://x.org)", "link-insecure") == [(1, 11)]


def test_html_alt_text_may_hold_the_other_quote_and_span_lines():
    text = ("<img src=\"fig/a.png\" alt=\"Three boxes labelled 'data sets'.\nA second line.\">\n\n"
            "<img src='fig/b.png' alt='A \"quoted\" word'>")
    assert check_markdown(text, "image-alt-missing") == []
    assert spots(text, "link-target-missing") == [(1, 1), (4, 1)]  # both images are seen
