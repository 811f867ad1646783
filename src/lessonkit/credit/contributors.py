"""The lesson's contributors file, ``contributors.yaml`` (format: docs/credit.md; schema:
``schemas/contributors.schema.json``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lessonkit.credit.vocab import (
    ALL_CONTRIBUTORS,
    CREDIT_ROLES,
    all_contributors_type,
    credit_role,
    nearest,
    orcid_id,
    orcid_valid,
    spdx_id,
)
from lessonkit.credit.yamlfile import YamlFile, read_checked
from lessonkit.diagnostics import Report
from lessonkit.model import Lesson

FILE = "contributors.yaml"
SCHEMA = "contributors.schema.json"


@dataclass
class Person:
    name: str
    line: int
    given_names: str = ""
    family_names: str = ""
    orcid: str = ""  # the bare 16-character id
    email: str = ""
    affiliation: str = ""
    ror: str = ""  # the full https://ror.org/... URL
    author: bool = False
    roles: list[str] = field(default_factory=list)  # CRediT ids
    contributions: list[str] = field(default_factory=list)  # All Contributors types
    description: str = ""
    group: bool = False  # a group of people credited together (or an organisation)
    size: int | None = None
    members: list[str] = field(default_factory=list)
    url: str = ""

    def split_name(self) -> tuple[str, str]:
        """(given names, family names): as written, or the last word of the name as the family name."""
        if self.family_names:
            return self.given_names, self.family_names
        given, _, family = self.name.rpartition(" ")
        return given, family


@dataclass
class Work:
    title: str
    line: int
    authors: list[str] = field(default_factory=list)
    year: str = ""
    url: str = ""
    doi: str = ""
    licence: str = ""
    relation: str = "isDerivedFrom"
    description: str = ""


@dataclass
class Funder:
    name: str
    line: int
    ror: str = ""
    award: str = ""
    description: str = ""


@dataclass
class Contributors:
    path: str
    people: list[Person] = field(default_factory=list)
    groups: list[Person] = field(default_factory=list)
    related: list[Work] = field(default_factory=list)
    funding: list[Funder] = field(default_factory=list)
    digest: str = ""

    @property
    def everyone(self) -> list[Person]:
        return self.people + self.groups

    @property
    def authors(self) -> list[Person]:
        return [p for p in self.everyone if p.author]


def _ror(value: str) -> str:
    value = value.strip()
    return value if value.startswith("https://") else f"https://ror.org/{value}" if value else ""


def _roles(file: YamlFile, entry: dict, where: tuple, report: Report) -> tuple[list[str], list[str]]:
    roles = _terms(file, entry, where, "roles", credit_role, list(CREDIT_ROLES), report, "credit-role-unknown",
                   "is not a CRediT role", f"The 14 CRediT roles are: {', '.join(CREDIT_ROLES)}.")
    contributions = _terms(file, entry, where, "contributions", all_contributors_type, list(ALL_CONTRIBUTORS), report,
                           "credit-contribution-unknown", "is not an All Contributors contribution type",
                           "See https://allcontributors.org/docs/en/emoji-key for the types.")
    return roles, contributions


def _terms(file: YamlFile, entry: dict, where: tuple, key: str, lookup: Callable[[str], str | None],
           choices: list[str], report: Report, rule: str, what: str, fix: str) -> list[str]:
    """The known terms of a vocabulary listed under ``key`` (each once); an error for each unknown one."""
    found: list[str] = []
    for index, raw in enumerate(entry.get(key) or []):
        term = lookup(str(raw))
        if term is None:
            guess = nearest(str(raw), choices)
            hint = f"Did you mean '{guess}'? " if guess else ""
            report.error(file.path, file.line((*where, key, index)), rule, f"{raw!r} {what}", f"{hint}{fix}")
        elif term not in found:
            found.append(term)
    return found


def load_contributors(lesson: Lesson, report: Report | None = None) -> Contributors | None:
    """The lesson's contributors (None when it has no contributors file); problems go to ``report``."""
    report = report if report is not None else Report()
    checked = read_checked(lesson.root, FILE, SCHEMA, report, empty={})
    if checked is None:
        return None
    if checked.file is None:
        return Contributors(FILE)
    file, data = checked.file, checked.data
    result = Contributors(FILE, digest=file.digest)
    seen = _Seen()
    for section, group in (("people", False), ("groups", True)):
        entries = data.get(section)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
                continue
            person = _person(file, entry, (section, index), group, seen, report)
            (result.groups if group else result.people).append(person)
    related = data.get("related")
    for index, entry in enumerate(related if isinstance(related, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("title"), str):
            result.related.append(_work(file, entry, ("related", index), report))
    funding = data.get("funding")
    for index, entry in enumerate(funding if isinstance(funding, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            result.funding.append(Funder(entry["name"], file.line(("funding", index)), _ror(str(entry.get("ror") or "")),
                                         str(entry.get("award") or ""), str(entry.get("description") or "")))
    return result


@dataclass
class _Seen:
    """Names and ORCIDs already listed (with their lines), to report people listed twice."""

    names: dict[str, int] = field(default_factory=dict)
    orcids: dict[str, int] = field(default_factory=dict)


def _text(entry: dict, key: str) -> str:
    return str(entry.get(key) or "").strip()


def _person(file: YamlFile, entry: dict, where: tuple, group: bool, seen: _Seen, report: Report) -> Person:
    """One entry of ``people:`` or ``groups:``, with its ORCID, duplicates and roles checked."""
    line = file.line(where)
    roles, contributions = _roles(file, entry, where, report)
    person = Person(
        name=entry["name"].strip(), line=line,
        given_names=_text(entry, "given-names"), family_names=_text(entry, "family-names"),
        email=_text(entry, "email"), affiliation=_text(entry, "affiliation"),
        ror=_ror(str(entry.get("ror") or "")), author=bool(entry.get("author", False)), roles=roles,
        contributions=contributions, description=_text(entry, "description"), group=group,
        size=entry.get("size") if isinstance(entry.get("size"), int) else None,
        members=[str(m) for m in entry.get("members") or [] if isinstance(m, str)],
        url=str(entry.get("url") or ""),
    )
    orcid = _text(entry, "orcid")
    if orcid:
        _orcid(file, person, orcid, file.line((*where, "orcid")), seen, report)
    key = " ".join(person.name.lower().split())
    if key in seen.names:
        report.error(FILE, line, "credit-duplicate",
                     f"{person.name} is listed twice (first on line {seen.names[key]})",
                     "List each person or group once, with all their roles and contributions.")
    seen.names.setdefault(key, line)
    if not roles and not contributions and "roles" not in entry and "contributions" not in entry:
        report.warning(FILE, line, "credit-role-missing", f"{person.name} has no role",
                       "Say what they did: roles: [writing-original-draft] (CRediT) and/or "
                       "contributions: [content] (All Contributors).")
    return person


def _orcid(file: YamlFile, person: Person, orcid: str, line: int, seen: _Seen, report: Report) -> None:
    person.orcid = orcid_id(orcid)
    if not orcid_valid(orcid):
        report.error(FILE, line, "credit-orcid",
                     f"the ORCID {orcid!r} of {person.name} is not valid (its check digit is wrong)",
                     "Copy the ORCID iD from the person's orcid.org page (16 characters, "
                     "e.g. 0000-0002-1825-0097).")
    elif person.orcid in seen.orcids:
        report.error(FILE, line, "credit-duplicate",
                     f"the ORCID {person.orcid} is listed twice (first on line {seen.orcids[person.orcid]})",
                     "List each person once, with all their roles.")
    seen.orcids.setdefault(person.orcid, line)


def _work(file: YamlFile, entry: dict, where: tuple, report: Report) -> Work:
    """One entry of ``related:`` (a work the lesson derives from or relates to)."""
    licence = _text(entry, "licence")
    if licence and not spdx_id(licence) and not licence.startswith("LicenseRef-"):
        report.error(FILE, file.line((*where, "licence")), "credit-licence-unknown",
                     f"{licence!r} is not an SPDX licence id", _licence_fix(licence))
    return Work(
        title=entry["title"].strip(), line=file.line(where),
        authors=[str(a) for a in entry.get("authors") or []], year=str(entry.get("year") or ""),
        url=str(entry.get("url") or ""), doi=str(entry.get("doi") or ""),
        licence=spdx_id(licence) or licence, relation=str(entry.get("relation") or "isDerivedFrom"),
        description=str(entry.get("description") or ""))


def _licence_fix(licence: str) -> str:
    from lessonkit.credit.vocab import spdx_ids

    guess = nearest(licence, [k for k in spdx_ids() if k.startswith(("CC", "MIT", "Apache", "BSD", "GPL", "OGL"))])
    hint = f"Did you mean '{guess}'? " if guess else ""
    return (f"{hint}Use an id from https://spdx.org/licenses/ (e.g. CC-BY-4.0, CC0-1.0), or "
            "LicenseRef-<name> for a licence that has none.")
