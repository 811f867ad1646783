"""A lesson's citation metadata, gathered once from config.yaml, contributors.yaml and
CITATION.cff, for the "Cite this lesson" page and every export."""

from __future__ import annotations

from dataclasses import dataclass, field

from lessonkit.credit.contributors import Contributors, Funder, Person, Work, load_contributors
from lessonkit.credit.vocab import CARPENTRIES, spdx_id
from lessonkit.diagnostics import Report
from lessonkit.markdown.frontmatter import load_yaml
from lessonkit.model import Lesson

PUBLISHERS = CARPENTRIES  # the carpentry code of config.yaml -> its name


@dataclass
class LessonMetadata:
    title: str
    authors: list[Person] = field(default_factory=list)
    contributors: list[Person] = field(default_factory=list)  # everyone credited who is not an author
    version: str = ""
    date: str = ""  # YYYY-MM-DD: release date (or the lesson's creation date)
    doi: str = ""
    url: str = ""
    repository: str = ""
    licence: str = ""  # SPDX id
    keywords: list[str] = field(default_factory=list)
    abstract: str = ""
    language: str = "en"
    publisher: str = ""
    related: list[Work] = field(default_factory=list)
    funding: list[Funder] = field(default_factory=list)
    minutes: int = 0
    episodes: list[tuple[str, str]] = field(default_factory=list)  # (title, site file)

    @property
    def year(self) -> str:
        return self.date[:4] if self.date[:4].isdigit() else ""


def present(data: dict, *fields: tuple[str, object]) -> dict:
    """``data`` with each (key, value) of ``fields`` whose value is not empty added, in order."""
    for key, value in fields:
        if value:
            data[key] = value
    return data


def read_cff(lesson: Lesson) -> dict:
    from lessonkit.credit.yamlfile import read_lesson_file

    if not (lesson.root / "CITATION.cff").is_file():
        return {}
    raw = read_lesson_file(lesson.root, "CITATION.cff", "citation-format", Report())
    if raw is None:
        return {}
    data = load_yaml(raw.decode("utf-8", errors="replace").lstrip("\ufeff"), "CITATION.cff", Report())
    return data if isinstance(data, dict) else {}


def _cff_person(entry: dict) -> Person | None:
    if not isinstance(entry, dict):
        return None
    if entry.get("name"):
        return Person(str(entry["name"]), 0, group=True, author=True, affiliation=str(entry.get("affiliation") or ""))
    given = str(entry.get("given-names") or "").strip()
    family = " ".join(str(entry[k]).strip() for k in ("name-particle", "family-names") if entry.get(k))
    if not (given or family):
        return None
    orcid = str(entry.get("orcid") or "").rsplit("/", 1)[-1]
    return Person(" ".join(p for p in (given, family) if p), 0, given_names=given, family_names=family,
                  orcid=orcid, affiliation=str(entry.get("affiliation") or ""), author=True)


def lesson_metadata(lesson: Lesson, contributors: Contributors | None = None, version: str = "",
                    date: str = "") -> LessonMetadata:
    config = lesson.config
    cff = read_cff(lesson)
    if contributors is None:
        contributors = load_contributors(lesson)
    meta = LessonMetadata(title=config.title or str(cff.get("title") or lesson.name))
    if contributors is not None and contributors.authors:
        meta.authors = contributors.authors
        meta.contributors = [p for p in contributors.everyone if not p.author]
    else:
        meta.authors = [p for p in (_cff_person(a) for a in cff.get("authors") or []) if p]
        if contributors is not None:
            meta.contributors = [p for p in contributors.everyone if not p.author]
    if contributors is not None:
        meta.related = contributors.related
        meta.funding = contributors.funding
    meta.version = version or str(cff.get("version") or "")
    meta.date = date or str(cff.get("date-released") or config.created or "")
    meta.doi = str(cff.get("doi") or "")
    meta.url = config.url or str(cff.get("url") or "")
    meta.repository = config.source or str(cff.get("repository-code") or "")
    meta.licence = spdx_id(config.license or "") or str(cff.get("license") or config.license or "")
    meta.keywords = list(config.keywords) or [str(k) for k in cff.get("keywords") or []]
    meta.abstract = " ".join(str(cff.get("abstract") or "").split())
    meta.language = config.lang or "en"
    meta.publisher = PUBLISHERS.get(config.carpentry, "")
    meta.minutes = sum(p.minutes for p in lesson.episodes)
    meta.episodes = [(p.title, p.filename) for p in lesson.episodes]
    return meta


def csl_item(meta: LessonMetadata) -> dict:
    """The lesson as a CSL-JSON item (for citeproc-py)."""
    item: dict = {"id": "lesson", "type": "book", "title": meta.title}
    authors = []
    for person in meta.authors:
        if person.group:
            authors.append({"literal": person.name})
        else:
            given, family = person.split_name()
            authors.append({"family": family, "given": given} if given else {"literal": person.name})
    if authors:
        item["author"] = authors
    if meta.date[:4].isdigit():
        parts = [int(p) for p in meta.date.split("-")[:3] if p.isdigit()]
        item["issued"] = {"date-parts": [parts]}
    present(item, ("version", meta.version), ("publisher", meta.publisher))
    if meta.doi:
        item["DOI"] = meta.doi
    elif meta.url or meta.repository:
        item["URL"] = meta.url or meta.repository
    return item


def apa_citation(meta: LessonMetadata) -> str:
    """The lesson's APA reference as HTML, formatted by citeproc-py."""
    import warnings

    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    from lessonkit.credit.bibliography import _link_dois, _style

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(_style("apa", ""), CiteProcJSON([csl_item(meta)]), formatter.html)
        bibliography.register(Citation([CitationItem("lesson")]))
        return _link_dois(str(bibliography.bibliography()[0]))


def apa_text(meta: LessonMetadata) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", apa_citation(meta)))


def bibtex(meta: LessonMetadata, key: str = "") -> str:
    """The lesson as a BibTeX entry, written by pybtex."""
    from pybtex.database import BibliographyData, Entry
    from pybtex.database import Person as BibPerson

    fields = present({"title": meta.title}, ("year", meta.year), ("version", meta.version),
                     ("publisher", meta.publisher), ("doi", meta.doi), ("url", meta.url or meta.repository),
                     ("note", f"Lesson. Licence: {meta.licence}" if meta.licence else ""))
    persons = []
    for person in meta.authors:
        if person.group:
            persons.append(BibPerson(last="{" + person.name + "}"))
        else:
            given, family = person.split_name()
            persons.append(BibPerson(first=given, last=family))
    entry = Entry("misc", fields=fields, persons={"author": persons} if persons else {})
    if not key:
        first = meta.authors[0].split_name()[1] if meta.authors and not meta.authors[0].group else "lesson"
        word = next((w for w in meta.title.split() if len(w) > 3), "lesson")
        key = "".join(ch for ch in f"{first}{meta.year}{word}".lower() if ch.isalnum())
    return BibliographyData(entries={key: entry}).to_string("bibtex")
