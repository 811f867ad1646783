"""The built site of the fixture lesson: pages, views, generated pages and metadata."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from lessonkit.model import Markdown, Page
from testsupport import FIXTURES

NO_EXECUTION = ExecutionOptions(enabled=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("site")
    shutil.copytree(FIXTURES / "workbench", base / "lesson")
    # The fixture's R chunks would need IRkernel; this module is about the site, not execution.
    result = Builder(base / "lesson", BuildOptions(out=base / "out", execution=NO_EXECUTION)).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    assert [d.rule for d in result.diagnostics] == ["block-unknown"]  # the fixture's deliberate unknown class
    return base / "out"


def doc(site: Path, rel: str) -> Document:
    return Document.load(site / rel)


def test_one_page_per_episode_and_page_in_both_views(site: Path):
    for name in ("index", "counting-cells", "blocks-and-tabs", "rmarkdown-chunks", "setup", "reference",
                 "instructor-notes", "postdoc", "profiles", "key-points", "aio", "images", "search", "404",
                 "LICENSE", "CODE_OF_CONDUCT"):
        assert (site / f"{name}.html").is_file(), name
        assert (site / "instructor" / f"{name}.html").is_file(), name


def test_episode_order_in_navigation_and_pager(site: Path):
    nav = (site / "assets/nav.js").read_text()
    data = json.loads(nav.removeprefix("window.LK_NAV = ").rstrip().rstrip(";"))
    assert [e["s"] for e in data["episodes"]] == ["counting-cells", "blocks-and-tabs", "rmarkdown-chunks"]
    page = doc(site, "blocks-and-tabs.html")
    assert page.find("a", cls="pager-previous").attrs["href"] == "counting-cells.html"
    assert page.find("a", cls="pager-next").attrs["href"] == "rmarkdown-chunks.html"
    first = doc(site, "counting-cells.html")
    assert first.find("a", cls="pager-previous").attrs["href"] == "index.html"
    assert doc(site, "rmarkdown-chunks.html").find("a", cls="pager-next") is None


def test_instructor_notes_and_timings_only_in_instructor_view(site: Path):
    learner = (site / "counting-cells.html").read_text()
    instructor = (site / "instructor/counting-cells.html").read_text()
    assert "marmalade-heron" not in learner
    assert "marmalade-heron" in instructor
    assert "Estimated time" not in learner
    assert re.search(r"Estimated time: <strong>25 minutes</strong>", instructor)
    assert 'href="../fig/grid.svg"' not in learner and 'src="fig/grid.svg"' in learner
    assert 'src="../fig/grid.svg"' in instructor
    notes = (site / "instructor/instructor-notes.html").read_text()
    assert "marmalade-heron" in notes and "Bring a microscope" in notes
    assert "marmalade-heron" not in (site / "instructor-notes.html").read_text()


def test_blocks_render_with_their_markup(site: Path):
    page = doc(site, "blocks-and-tabs.html")
    kinds = Counter(k for e in page.find_all("section", cls="callout") for k in e.classes if k != "callout")
    kinds.update(["callout"] * sum(1 for e in page.find_all("section") if e.classes == {"callout"}))
    assert kinds["discussion"] == 1 and kinds["challenge"] == 1 and kinds["keypoints"] == 1
    solution = page.find("details", cls="solution")
    assert solution is not None and "open" not in solution.attrs  # collapsed by default
    assert "Divide by two" in solution.text()
    assert page.find("details", cls="hint") is not None
    assert page.find("details", cls="spoiler").find("span", cls="summary-title").text() == "More details"
    assert page.find("div", cls="tabs") is not None
    custom = page.find("div", id="custom-div")
    assert custom is not None and "unknownclass" in custom.classes
    assert page.find("math") is not None  # maths as MathML, no script needed
    overview = page.find("section", cls="overview")
    assert "Which blocks exist?" in overview.text() and "Use every kind of block." in overview.text()
    assert page.find("input", type="checkbox") is not None  # task list


def test_headings_links_images_and_code(site: Path):
    page = doc(site, "counting-cells.html")
    assert page.find("h2", id="why-count") is not None
    links = {a.attrs.get("href") for a in page.find_all("a")}
    assert "https://example.org/hemocytometer" in links  # from links.md
    assert "reference.html" in links  # [glossary] from links.md, relative to the lesson root
    assert "reference.html#cell-density" in links
    assert "blocks-and-tabs.html#tabs-section" in links
    assert "files/counts.csv" in links
    figure = page.find("figure")
    img = figure.children[0]
    assert img.attrs["alt"] == "A square grid of nine large squares used to count cells"
    assert figure.find("figcaption").text() == "A counting chamber grid"
    assert page.find("table") is not None and page.find("th") is not None
    code = page.find("pre", cls="highlight")
    assert code is not None and code.find_all("span")  # Pygments token spans
    output = page.find("div", cls="code-output")
    assert output is not None and "40.0" in output.text()


def test_glossary_terms_get_ids(site: Path):
    page = doc(site, "reference.html")
    assert page.find("dt", id="cell-density") is not None
    assert page.find("dt", id="hemocytometer") is not None


def test_rmarkdown_chunks_and_child_documents(site: Path):
    page = doc(site, "rmarkdown-chunks.html")
    assert "barplot" in page.html
    assert "library(knitr)" not in page.html  # include=FALSE
    assert "This paragraph comes from a child document." in page.html
    assert page.find("section", id="from-the-child") is not None


def test_landing_page_schedule_times(site: Path):
    page = doc(site, "instructor/index.html")
    rows = [tr.text() for tr in page.find("section", cls="schedule").find_all("tr")]
    schedule = page.find("section", cls="schedule").text()
    assert "00h 00m Setup instructions" in schedule
    assert "00h 00m 1. Counting Cells" in schedule
    assert "00h 25m 2. Blocks and tabs" in schedule
    assert "00h 50m 3. R Markdown Chunks" in schedule
    assert "00h 55m Finish" in schedule
    assert "This fixture lesson exercises every construct" in page.html
    assert len(rows) == 1 + 1 + 3 + 1  # header, setup, episodes, finish


def test_key_points_all_in_one_and_figures_pages(site: Path):
    keypoints = (site / "key-points.html").read_text()
    assert "Count at least two squares" in keypoints and "Blocks are fenced divs." in keypoints
    aio = doc(site, "aio.html")
    assert "zymoglyphic" in aio.html and "marmalade-heron" not in aio.html
    ids = aio.ids()
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert "marmalade-heron" in (site / "instructor/aio.html").read_text()
    figures = (site / "images.html").read_text()
    assert "A square grid of nine large squares" in figures


def test_profiles_page_gathers_profiles(site: Path):
    assert "Priya runs cell culture" in (site / "profiles.html").read_text()


def test_assets_are_copied(site: Path):
    assert (site / "fig/grid.svg").is_file()
    assert (site / "files/counts.csv").read_text().startswith("square,cells")
    assert (site / "data/volumes.csv").is_file()
    assert (site / "assets/lessonkit.css").is_file() and (site / "assets/lessonkit.js").is_file()
    assert ".highlight" in (site / "assets/lessonkit.css").read_text()


def test_search_index_has_one_entry_per_section(site: Path):
    text = (site / "assets/search-index.js").read_text()
    entries = json.loads(text.removeprefix("window.LK_SEARCH_INDEX = ").rstrip().rstrip(";"))
    hits = [e for e in entries if "zymoglyphic" in e["x"]]
    assert [h["p"] for h in hits] == ["counting-cells.html#why-count"]
    assert not any("marmalade-heron" in e["x"] for e in entries)  # instructor notes are not indexed


def test_json_ld_sitemap_and_footer(site: Path):
    page = doc(site, "counting-cells.html")
    data = json.loads(page.find("script", type="application/ld+json").text())
    assert data["@type"] == "LearningResource"
    assert data["name"] == "Counting Cells"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["timeRequired"] == "PT25M"
    assert data["url"] == "https://example.org/fixture-lesson/counting-cells.html"
    assert data["isPartOf"]["name"] == "Fixture Lesson: Cells and Counts"
    assert [a["name"] for a in data["author"]] == ["Ada Lovelace", "The Fixture Team"]
    sitemap = (site / "sitemap.xml").read_text()
    assert "<loc>https://example.org/fixture-lesson/counting-cells.html</loc>" in sitemap
    assert "instructor/" not in sitemap
    footer = page.find("footer").text()
    assert "CC-BY 4.0" in footer and "Ada Lovelace" in footer and "licence details" in footer


def test_no_remote_assets_anywhere(site: Path):
    remote = re.compile(r"""<(?:script|link|img|iframe|source|video|audio)\b[^>]*?\b(?:src|href)=["'](?:https?:)?//""")
    for path in site.rglob("*.html"):
        assert not remote.search(path.read_text()), path
    css = (site / "assets/lessonkit.css").read_text()
    assert "url(http" not in css and "@import" not in css


def test_every_id_is_unique_on_every_page(site: Path):
    for path in site.rglob("*.html"):
        ids = Document.load(path).ids()
        duplicates = [i for i, n in Counter(ids).items() if n > 1]
        assert not duplicates, (path, duplicates)


def test_learner_toc_skips_headings_inside_instructor_notes(site: Path):
    page = doc(site, "counting-cells.html")
    toc = page.find("details", cls="page-toc")
    assert toc is not None and "Why count cells?" in toc.text()


def test_footnotes_across_blocks_and_single_quoted_attributes(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    (lesson / "episodes/counting-cells.md").write_text(
        "---\ntitle: Notes\n---\n\nA claim[^src] and another[^two].\n\n"
        "![A grid](fig/grid.svg){alt='Nine squares in a grid' width='200'}\n\n"
        "::: callout\nInside a block[^src].\n:::\n\n"
        "[^src]: The source, with a [link](https://example.org).\n\n"
        "    A second paragraph of the note.\n\n[^two]: Second note.\n\n```\n[^src]: not a note in code\n```\n"
    )
    assert Builder(lesson, BuildOptions(out=tmp_path / "out")).build().ok
    page = Document.load(tmp_path / "out/counting-cells.html")
    refs = [a.attrs["href"] for a in page.find_all("a") if a.parent.tag == "sup"]
    assert refs == ["#fn1", "#fn2", "#fn1"]
    notes = page.find("section", cls="footnotes")
    items = notes.find_all("li")
    assert [li.attrs["id"] for li in items] == ["fn1", "fn2"]
    assert "A second paragraph of the note." in items[0].text()
    assert len([a for a in items[0].find_all("a") if "footnote-backref" in a.classes]) == 2
    assert "[^src]: not a note in code" in page.html.replace("&quot;", '"')
    img = page.find("img")
    assert img.attrs["alt"] == "Nine squares in a grid" and img.attrs["width"] == "200"


def test_code_blocks_can_be_scrolled_from_the_keyboard(site: Path):
    doc = Document.load(site / "counting-cells.html")
    pres = doc.find_all("pre")
    assert pres and all(p.attrs.get("tabindex") == "0" for p in pres)


def test_empty_table_headers_from_pandas_get_an_accessible_name():
    from lessonkit.site.body import name_empty_headers

    html = '<table><thead><tr><th></th><th>mass</th></tr><tr><th class="x"> </th></tr></thead></table>'
    named = name_empty_headers(html)
    assert named.count('<span class="visually-hidden">row</span>') == 2
    assert '<th class="x"><span' in named and "<th>mass</th>" in named


def test_code_colours_have_aa_contrast(site: Path):
    import re as regex

    from lessonkit.site.highlight import CODE_BACKGROUNDS, contrast

    css = (site / "assets/lessonkit.css").read_text()
    pygments = css.split("/* Pygments */")[1]
    light, dark = pygments.split("@media (prefers-color-scheme: dark)")
    for part, background in ((light, CODE_BACKGROUNDS["light"]), (dark, CODE_BACKGROUNDS["dark"])):
        colours = regex.findall(r"(?<![-\w])color: (#[0-9A-Fa-f]{3,6})", part)
        assert colours and all(contrast(c, background) >= 4.5 for c in colours)


# -- issue 15: bugs and Workbench features --------------------------------------------------------

def _variant(tmp_path: Path, config_extra: str = "", episode: str | None = None) -> Path:
    lesson = tmp_path / "lesson"
    shutil.copytree(FIXTURES / "workbench", lesson)
    if config_extra:
        (lesson / "config.yaml").write_text((lesson / "config.yaml").read_text() + config_extra)
    if episode is not None:
        (lesson / "episodes/counting-cells.md").write_text(episode)
    result = Builder(lesson, BuildOptions(out=tmp_path / "out", execution=NO_EXECUTION)).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return tmp_path / "out"


def test_alt_text_on_a_reference_style_image_definition(tmp_path: Path):
    out = _variant(tmp_path, episode="---\ntitle: Grid\n---\n\n![A counting grid][grid]\n\n"
                                     '[grid]: fig/grid.svg {alt="Nine squares in a grid"}\n')
    img = Document.load(out / "counting-cells.html").find("figure").find("img")
    assert img.attrs["alt"] == "Nine squares in a grid"
    assert img.attrs["src"] == "fig/grid.svg"


def test_titles_with_quotes_are_escaped_once(tmp_path: Path):
    out = _variant(tmp_path, episode="---\ntitle: \"Don't panic: \\\"quotes\\\" & more\"\n---\n\nText.\n")
    html = (out / "counting-cells.html").read_text()
    assert "<title>Don&#39;t panic" in html or "<title>Don&#x27;t panic" in html
    assert "&amp;#" not in html and "&amp;quot;" not in html
    title = Document.load(out / "counting-cells.html").find("title").text()
    assert title.startswith("Don't panic: \"quotes\" & more")
    nav = json.loads((out / "assets/nav.js").read_text().removeprefix("window.LK_NAV = ").rstrip().rstrip(";"))
    assert nav["episodes"][0]["t"] == "Don't panic: \"quotes\" & more"
    index = (out / "assets/search-index.js").read_text()
    assert "Don't panic" in index and "&#" not in index


def test_404_links_its_assets_from_the_site_root_when_url_is_set(site: Path):
    page = doc(site, "404.html")
    stylesheet = next(e for e in page.find_all("link") if e.attrs.get("rel") == "stylesheet")
    assert stylesheet.attrs["href"] == "/fixture-lesson/assets/lessonkit.css"
    assert page.find("a", cls=None) is not None
    links = {a.attrs.get("href") for a in page.find_all("a")}
    assert "/fixture-lesson/index.html" in links
    assert "/fixture-lesson/instructor/index.html" in {a.attrs.get("href") for a in
                                                       doc(site, "instructor/404.html").find_all("a")}


def test_images_page_shows_each_images_alt_text(site: Path):
    page = doc(site, "instructor/images.html")
    alts = [p.text() for p in page.find_all("p", cls="figure-alt")]
    assert any("Alt text:" in alt and "A square grid of nine large squares used to count cells" in alt for alt in alts)


def test_block_titles_follow_the_page_outline(site: Path):
    """A block title is one level below the heading it follows: never a skipped level."""
    for name in ("blocks-and-tabs.html", "counting-cells.html", "key-points.html"):
        page = doc(site, name)
        levels = [int(e.tag[1]) for e in page.find("main").descendants() if re.fullmatch(r"h[1-6]", e.tag)]
        assert levels[0] == 1
        assert all(b <= a + 1 for a, b in pairwise(levels)), (name, levels)
    titles = {e.text(): int(e.tag[1]) for e in doc(site, "blocks-and-tabs.html").find_all(cls="callout-title")}
    assert titles["A note"] == 3  # after "## Blocks"


def test_fold_code_collapses_the_source_of_executable_chunks_only():
    from lessonkit.model import CodeChunk, Output
    from lessonkit.site.body import BodyOptions, render_body
    from lessonkit.site.links import LinkResolver, SiteMap

    chunk = CodeChunk("python", "print(6 * 7)", 3, outputs=[Output("stdout", "42\n")], executed=True)
    page = Page(kind="episode", source="episodes/x.md", slug="x", title="X",
                body=[Markdown("```python\nplain = 1\n```\n", 1), chunk], has_chunks=True)
    html = render_body(page, LinkResolver(SiteMap(), page.source), {}, options=BodyOptions(fold_code=True)).html
    folded = Document(html)
    details = folded.find("details", cls="code-fold")
    assert details is not None and details.find("summary").text() == "Show the code"
    assert "print" in details.text() and "42" not in details.text()  # the output stays visible, after it
    assert "42" in folded.find("div", cls="code-output").text()
    assert "plain" not in details.text()  # a plain code block is not an executable chunk
    unfolded = render_body(page, LinkResolver(SiteMap(), page.source), {}).html
    assert "code-fold" not in unfolded


def test_branding_doi_licence_url_sidebar_numbering_and_analytics(tmp_path: Path):
    out = _variant(tmp_path, config_extra=(
        "carpentry_description: 'Institute of Counting'\nbrand_colour: '#123456'\nlogo: fig/grid.svg\n"
        "doi: 10.5281/zenodo.123\nlicense_url: https://example.org/our-licence\n"
        "disable_sidebar_numbering: true\nanalytics: '<script src=\"stats.js\" defer></script>'\n"
    ).replace("life_cycle: 'beta'", ""))
    page = doc(out, "counting-cells.html")
    body = page.find("body")
    assert "carpentry-incubator" in body.classes and "--brand: #123456" in body.attrs["style"]
    assert "no-sidebar-numbers" in body.classes
    assert page.find("span", cls="carpentry").text() == "Institute of Counting"
    assert page.find("img", cls="site-logo").attrs["src"] == "fig/grid.svg"
    footer_links = {a.attrs["href"] for a in page.find("footer").find_all("a")}
    assert "https://example.org/our-licence" in footer_links
    assert page.find("a", cls="doi-badge") is None  # only for stable lessons
    assert '<script src="stats.js" defer></script>' in page.html
    plain = doc(_variant(tmp_path / "plain"), "counting-cells.html")
    assert "stats.js" not in plain.html  # analytics only when asked for


def test_stable_lesson_with_doi_has_a_badge_and_each_carpentry_its_colour(tmp_path: Path):
    out = _variant(tmp_path, config_extra="doi: 'https://doi.org/10.5281/zenodo.123'\n")
    assert doc(out, "index.html").find("a", cls="doi-badge") is None  # beta
    lesson = tmp_path / "lesson"
    (lesson / "config.yaml").write_text((lesson / "config.yaml").read_text()
                                        .replace("life_cycle: 'beta'", "life_cycle: 'stable'")
                                        .replace("carpentry: 'incubator'", "carpentry: 'swc'"))
    assert Builder(lesson, BuildOptions(out=tmp_path / "out2", execution=NO_EXECUTION)).build().ok
    page = doc(tmp_path / "out2", "index.html")
    badge = page.find("a", cls="doi-badge")
    assert badge.attrs["href"] == "https://doi.org/10.5281/zenodo.123"
    assert "carpentry-swc" in page.find("body").classes and "--brand: #2b3990" in page.find("body").attrs["style"]
    assert page.find("span", cls="carpentry").text() == "Software Carpentry"


def test_a_theme_folder_overrides_templates_and_adds_a_stylesheet(tmp_path: Path):
    theme = tmp_path / "lesson-theme"
    (theme / "templates/blocks").mkdir(parents=True)
    (theme / "templates/blocks/callout.html").write_text(
        '<aside class="our-box {{ kind }}" id="{{ id }}"><p class="our-title">{{ title|safe }}</p>'
        "{{ content|safe }}</aside>")
    (theme / "theme.css").write_text(".our-box { border: 2px solid #123456; }\n")
    out = _variant(tmp_path, config_extra=f"theme: '{theme}'\n")
    page = doc(out, "blocks-and-tabs.html")
    assert page.find("aside", cls="our-box") is not None and page.find("section", cls="callout") is None
    assert (out / "assets/theme.css").read_text().startswith(".our-box")
    assert any(e.attrs.get("href") == "assets/theme.css" for e in page.find_all("link"))


def test_catalogue_page_is_a_template_in_the_catalogues_language(tmp_path: Path):
    from lessonkit.build import catalogue_page
    from lessonkit.readers import read_lesson

    (tmp_path / "catalogue.yaml").write_text("title: Unsere Kurse\nlang: de\n")
    lesson = read_lesson(FIXTURES / "workbench")
    html = catalogue_page(tmp_path, [lesson])
    page = Document(html)
    assert page.find("html").attrs["lang"] == "de"
    assert page.find("h1").text() == "Unsere Kurse"
    assert "3 Episoden" in page.find("p", cls="meta").text()
    assert "Erstellt mit lessonkit." in page.find("footer").text()


def test_quotes_and_ampersands_in_questions_and_headings_are_shown_as_written(tmp_path: Path):
    """The schedule, the episode list and the search index show a question's or heading's text, not its
    HTML: a quote is a quote (it was shown as '&quot;', escaped twice)."""
    lesson = shutil.copytree(FIXTURES / "workbench", tmp_path / "lesson")
    episode = lesson / "episodes/blocks-and-tabs.md"
    episode.write_text(episode.read_text().replace("- Which blocks exist?", '- Which "blocks" exist, & why?')
                       .replace("## Tabs section", '## Tabs "section" & more'))
    assert Builder(lesson, BuildOptions(out=tmp_path / "out", execution=NO_EXECUTION)).build().ok
    out = tmp_path / "out"
    cells = [tr.find_all("td")[-1].text() for tr in doc(out, "instructor/index.html").find("section", cls="schedule")
             .find_all("tr") if tr.find_all("td")]
    assert 'Which "blocks" exist, & why?' in cells
    questions = [span.text() for span in doc(out, "index.html").find_all("span", cls="episode-question")]
    assert '— Which "blocks" exist, & why?' in questions
    entries = json.loads((out / "assets/search-index.js").read_text()
                         .removeprefix("window.LK_SEARCH_INDEX = ").rstrip().rstrip(";"))
    assert 'Tabs "section" & more' in [e["s"] for e in entries]
    assert not any("&quot;" in e["s"] or "&amp;" in e["s"] for e in entries)
