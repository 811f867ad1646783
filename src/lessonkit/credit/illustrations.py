"""The lesson's illustrations file, ``illustrations.yaml`` (format: docs/credit.md; schema:
``schemas/illustrations.schema.json``)."""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass, field

from lessonkit.credit.contributors import _licence_fix
from lessonkit.credit.vocab import conflict, spdx_id
from lessonkit.credit.yamlfile import read_checked
from lessonkit.diagnostics import Report
from lessonkit.model import Lesson

FILE = "illustrations.yaml"
SCHEMA = "illustrations.schema.json"


@dataclass
class Illustration:
    file: str  # path (or glob) from the lesson root
    line: int
    title: str = ""
    creators: list[str] = field(default_factory=list)
    source: str = ""
    doi: str = ""
    licence: str = ""  # SPDX id when known, else as written
    reused: bool = False
    modified: bool = False
    credit: str = ""
    alt: str | None = None
    notes: str = ""

    @property
    def pattern(self) -> bool:
        return any(ch in self.file for ch in "*?[")

    @property
    def link(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else self.source


@dataclass
class Illustrations:
    path: str
    entries: list[Illustration] = field(default_factory=list)
    digest: str = ""

    def find(self, lesson_path: str) -> Illustration | None:
        """The entry for a figure file: the entry naming it, else the first pattern matching it."""
        lesson_path = posixpath.normpath(lesson_path)
        for entry in self.entries:
            if not entry.pattern and posixpath.normpath(entry.file) == lesson_path:
                return entry
        for entry in self.entries:
            if entry.pattern and fnmatch.fnmatchcase(lesson_path, entry.file):
                return entry
        return None


def lesson_licence(lesson: Lesson) -> str:
    return spdx_id(lesson.config.license or "") or (lesson.config.license or "").strip()


def load_illustrations(lesson: Lesson, report: Report | None = None) -> Illustrations | None:
    """The lesson's illustrations (None when it has no illustrations file); problems go to ``report``."""
    report = report if report is not None else Report()
    checked = read_checked(lesson.root, FILE, SCHEMA, report)
    if checked is None:
        return None
    if checked.file is None:
        return Illustrations(FILE)
    file = checked.file
    result = Illustrations(FILE, digest=file.digest)
    entries = checked.data.get("illustrations")
    own = lesson_licence(lesson)
    seen: dict[str, Illustration] = {}
    for index, raw in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(raw, dict) or not isinstance(raw.get("file"), str) or not raw["file"].strip():
            continue
        where = ("illustrations", index)
        entry = _illustration(raw, file.line(where))
        if entry.file in seen:
            _duplicate(seen[entry.file], entry, report)
            continue
        seen[entry.file] = entry
        _check_licence(entry, str(raw.get("licence") or "").strip(), own, file.line((*where, "licence")), report)
        _check_credit(lesson, entry, report)
        result.entries.append(entry)
    return result


def _illustration(raw: dict, line: int) -> Illustration:
    licence = str(raw.get("licence") or "").strip()
    entry = Illustration(
        file=raw["file"].strip().lstrip("./"), line=line, title=str(raw.get("title") or "").strip(),
        creators=[str(c) for c in raw.get("creators") or [] if isinstance(c, str)],
        source=str(raw.get("source") or "").strip(), doi=str(raw.get("doi") or "").strip(),
        licence=(spdx_id(licence) if licence else None) or licence, modified=bool(raw.get("modified", False)),
        credit=str(raw.get("credit") or "").strip(),
        alt=raw.get("alt") if isinstance(raw.get("alt"), str) else None, notes=str(raw.get("notes") or ""))
    entry.reused = bool(raw.get("reused", bool(entry.source or entry.doi)))
    return entry


def _duplicate(first: Illustration, entry: Illustration, report: Report) -> None:
    different = (f" with a different licence ({first.licence or 'none'} on line {first.line}, "
                 f"{entry.licence or 'none'} here)" if first.licence != entry.licence else "")
    report.error(FILE, entry.line, "credit-duplicate", f"{entry.file} is listed twice{different}",
                 f"Keep one entry for {entry.file} (first on line {first.line}), with the licence the "
                 "source gives.")


def _check_licence(entry: Illustration, licence: str, own: str, licence_line: int, report: Report) -> None:
    """The licence as written is an SPDX id, is given for a reused image and allows the lesson's licence."""
    known = spdx_id(licence) if licence else None
    if licence and not known and not licence.startswith("LicenseRef-"):
        report.error(FILE, licence_line, "credit-licence-unknown", f"{licence!r} is not an SPDX licence id",
                     _licence_fix(licence))
    if entry.reused and not licence:
        report.error(FILE, entry.line, "illustration-licence-missing",
                     f"{entry.file} is reused from {entry.link or 'elsewhere'} but has no licence",
                     "Add licence: with the SPDX id the source gives (e.g. CC-BY-4.0); without one the "
                     "image may not be reused, so replace it if the source gives none.")
    elif entry.reused and known and own:
        why = conflict(own, known, entry.modified)
        if why:
            report.error(FILE, licence_line, "illustration-licence-conflict", f"{entry.file}: {why}",
                         "Use an image under a licence compatible with the lesson's (CC BY or CC0 for a "
                         "CC BY lesson), ask the creator for permission, or change the lesson's licence.")


def _check_credit(lesson: Lesson, entry: Illustration, report: Report) -> None:
    """A reused image's credit is complete (TASL) and the entry names files that exist."""
    line = entry.line
    if entry.reused and not entry.credit and (not entry.creators or not entry.title or not entry.link):
        missing = [name for name, value in (("title", entry.title), ("creators", entry.creators),
                                            ("source or doi", entry.link)) if not value]
        report.warning(FILE, line, "illustration-credit-incomplete",
                       f"the credit of {entry.file} lacks its {', '.join(missing)}",
                       "A credit line names the title, author, source and licence (TASL); add the missing "
                       "fields or a credit: line with the wording the source asks for.")
    if entry.pattern:
        if not any(fnmatch.fnmatchcase(p, entry.file) for p in _lesson_files(lesson)):
            report.warning(FILE, line, "illustration-file-missing", f"no file matches {entry.file}",
                           "Correct the pattern (paths start at the lesson root, e.g. episodes/fig/*.svg).")
    elif not (lesson.root / entry.file).is_file():
        report.error(FILE, line, "illustration-file-missing", f"{entry.file} does not exist",
                     "Give the path from the lesson root, e.g. episodes/fig/cells.png.")


def _lesson_files(lesson: Lesson) -> list[str]:
    found = []
    for folder in ("episodes", "learners", "instructors", "profiles"):
        base = lesson.root / folder
        if base.is_dir():
            for path in base.rglob("*"):
                if path.is_file():
                    found.append(path.relative_to(lesson.root).as_posix())
    return found
