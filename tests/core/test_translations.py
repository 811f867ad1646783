"""A lesson in German or Japanese gets a German or Japanese interface: every interface string
of the built site comes from lessonkit's catalogues, none is left in English."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from htmlquery import Document
from lessonkit.build import Builder, BuildOptions
from lessonkit.execute import ExecutionOptions
from lessonkit.locale import LANGUAGES, LOCALE_DIR, interface
from translated import dated, make_lesson

NO_EXECUTION = ExecutionOptions(enabled=False)


def load_po(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle)


def load_mo(path: Path):
    from babel.messages.mofile import read_mo

    with open(path, "rb") as handle:
        return read_mo(handle)

class Visible(HTMLParser):
    """The text a reader sees or hears: text outside script/style, and the attributes read aloud or shown."""

    SPOKEN = ("aria-label", "placeholder", "title", "alt", "data-label-light", "data-label-dark",
              "data-label-auto", "data-label-expand", "data-label-collapse")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_messages(lang: str) -> list[str]:
    """The English interface strings that this language's catalogue writes differently, as the literal
    pieces a reader would see (placeholders cut out)."""
    ui = interface(lang)
    catalogue = load_po(LOCALE_DIR / "lessonkit.pot")
    pieces: list[str] = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            translated = ui.ngettext(*message.id, 2) if isinstance(message.id, tuple) else ui.gettext(text)
            for piece in re.split(r"%\(\w+\)s", text):
                piece = piece.strip(" .:,()“”")
                # a piece written the same in this language (e.g. "Code" or "Episode" in German) is no sign
                if len(piece) >= 4 and piece not in ("min", "lessonkit") and piece not in translated:
                    pieces.append(piece)
    return sorted(set(pieces), key=len, reverse=True)


@pytest.fixture(scope="module", params=["de", "ja"])
def built(request, tmp_path_factory) -> tuple[str, Path]:
    lang = request.param
    base = tmp_path_factory.mktemp(f"lesson-{lang}")
    lesson = make_lesson(base / "lesson", lang)
    # A cited work: the page's references list, its link to the lesson's references page, and that page.
    (lesson / "references.bib").write_text(
        "@article{gitter2026,\n  author = {Gitter, Anna},\n  title = {Counting chambers},\n"
        "  journal = {Journal of Cells},\n  year = {2026},\n  doi = {10.1234/cells.1}\n}\n", encoding="utf-8")
    episode = lesson / "episodes/one.md"
    episode.write_text(episode.read_text(encoding="utf-8").replace("[^1]\n", " [@gitter2026][^1]\n", 1),
                       encoding="utf-8")
    dated(episode)
    result = Builder(lesson, BuildOptions(out=base / "out", execution=NO_EXECUTION)).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    return lang, base / "out"


def test_no_english_interface_string_in_the_built_site(built):
    lang, site = built
    assert "gitter2026" in (site / "one.html").read_text(encoding="utf-8")  # the page has its references list
    messages = english_messages(lang)
    assert len(messages) > 80  # the catalogue is not empty
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 20
    for path in pages:
        text = visible_text(path.read_text(encoding="utf-8"))
        found = [m for m in messages if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", text)]
        assert not found, (path.relative_to(site), found)


def test_script_strings_and_language_attributes(built):
    lang, site = built
    page = Document.load(site / "one.html")
    html = page.find("html")
    assert html.attrs["lang"] == lang and html.attrs["dir"] == "ltr"
    strings = (site / f"assets/strings-{lang}.js").read_text(encoding="utf-8")
    assert strings.startswith("window.LK_STRINGS = ")
    assert interface(lang).gettext("Searching…") in strings
    assert f"assets/strings-{lang}.js" in page.html


def test_dates_and_plurals_in_the_lesson_language(built):
    lang, site = built
    page = Document.load(site / "one.html")
    updated = page.find("p", cls="last-updated")
    expected = {"de": "1. Dezember 2026", "ja": "2026年12月1日"}[lang]
    assert updated.find("time").attrs["datetime"] == "2026-12-01"
    assert expected in updated.text()
    timing = Document.load(site / "instructor/one.html").find("p", cls="timing").text()
    assert {"de": "15 Minuten", "ja": "15 分"}[lang] in timing


def test_block_titles_are_translated(built):
    lang, site = built
    page = Document.load(site / "one.html")
    titles = {e.text() for e in page.find_all(cls="callout-title")}
    ui = interface(lang)
    for english in ("Challenge", "Callout", "Discussion", "Caution", "Key Points"):
        assert ui.gettext(english) in titles
    labels = {e.text() for e in page.find_all("span", cls="summary-label")}
    assert ui.gettext("Show me the solution") in labels and ui.gettext("Give me a hint") in labels


def test_every_catalogue_translates_every_message():
    catalogue = load_po(LOCALE_DIR / "lessonkit.pot")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        po = load_po(LOCALE_DIR / lang / "LC_MESSAGES/lessonkit.po")
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id and m.string
                      and (all(m.string) if isinstance(m.string, tuple) else True) and not m.fuzzy}
        assert ids - translated == set(), lang
        placeholders = {m.id: m.string for m in po if m.id and isinstance(m.id, str)}
        for msgid, msgstr in placeholders.items():  # a translation keeps every placeholder
            assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), (lang, msgid)


def test_catalogues_are_extracted_and_compiled_from_the_sources(tmp_path: Path):
    """The .pot holds exactly what the code and templates ask to translate, and each .mo is the .po compiled."""
    from babel.messages.frontend import CommandLineInterface
    out = tmp_path / "fresh.pot"
    src = Path(__file__).resolve().parents[2] / "src" / "lessonkit"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(LOCALE_DIR / "babel.cfg"), "-k", "N_",
                                "--no-location", "-o", str(out), str(src)])
    fresh = {str(m.id) for m in load_po(out) if m.id}
    shipped = {str(m.id) for m in load_po(LOCALE_DIR / "lessonkit.pot") if m.id}
    assert fresh == shipped, ("run the pybabel commands in src/lessonkit/locale/babel.cfg", fresh ^ shipped)
    for lang in LANGUAGES:
        if lang == "en":
            continue
        def entries(catalogue):
            return {tuple(m.id) if not isinstance(m.id, str) else m.id:
                    tuple(m.string) if not isinstance(m.string, str) else m.string for m in catalogue if m.id}
        po = entries(load_po(LOCALE_DIR / lang / "LC_MESSAGES/lessonkit.po"))
        mo = entries(load_mo(LOCALE_DIR / lang / "LC_MESSAGES/lessonkit.mo"))
        assert po == mo, lang


def test_english_fallback_per_string_and_unknown_languages():
    assert interface("de").gettext("A string no catalogue has") == "A string no catalogue has"
    assert interface("pt-BR").catalogue == "pt" and interface("pt-BR").html_lang == "pt-BR"
    assert interface("xx").catalogue == "en" and interface("xx").gettext("Search") == "Search"
    assert interface("he").dir == "rtl" and interface("fr").dir == "ltr"


def test_every_string_the_scripts_translate_is_in_the_catalogue():
    """lessonkit.js and the feedback widget translate with t("..."): each message is sent to the
    browser (SCRIPT_STRINGS) and translated in every catalogue."""
    from lessonkit.site.assemble import SCRIPT_STRINGS

    root = Path(__file__).resolve().parents[2] / "src" / "lessonkit"
    used: set[str] = set()
    for script in (root / "site/static/lessonkit.js", root / "feedback/widget/feedback.js"):
        used |= set(re.findall(r'\btr?\("((?:[^"\\]|\\.)*)"', script.read_text(encoding="utf-8")))
    assert len(used) > 20
    assert used <= set(SCRIPT_STRINGS), used - set(SCRIPT_STRINGS)
    for lang in ("de", "ja", "uk"):
        ui = interface(lang)
        assert all(ui.gettext(m) != m for m in used if m.strip()), lang
