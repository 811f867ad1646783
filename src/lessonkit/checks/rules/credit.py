"""Credit: contributors.yaml and illustrations.yaml are valid, every reused figure is credited
under a compatible licence with the alternative text the pages use, and CITATION.cff and
.zenodo.json agree with the contributors file.  The formats are in docs/credit.md."""

from __future__ import annotations

import json
import posixpath

from lessonkit.checks.context import Context
from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Link, Spot
from lessonkit.credit.contributors import Contributors, load_contributors
from lessonkit.credit.illustrations import Illustrations, load_illustrations
from lessonkit.credit.yamlfile import read_lesson_file
from lessonkit.diagnostics import Report, Severity
from lessonkit.model import Lesson

FILE_RULES = {
    "credit-file": (Severity.ERROR, "contributors.yaml and illustrations.yaml are valid YAML that follows their schema."),
    "credit-role-unknown": (Severity.ERROR, "Roles are CRediT roles (the nearest is suggested)."),
    "credit-contribution-unknown": (Severity.ERROR, "Contribution types are All Contributors types."),
    "credit-role-missing": (Severity.WARNING, "Every person and group says what they did."),
    "credit-orcid": (Severity.ERROR, "ORCID iDs have a valid check digit."),
    "credit-duplicate": (Severity.ERROR, "A person, group or figure is listed once."),
    "credit-licence-unknown": (Severity.ERROR, "Licences are SPDX ids."),
    "illustration-licence-missing": (Severity.ERROR, "A reused figure has a licence."),
    "illustration-licence-conflict": (Severity.ERROR,
                                      "A figure's licence allows everything the lesson's own licence allows."),
    "illustration-credit-incomplete": (Severity.WARNING, "A reused figure's credit names title, author, source."),
    "illustration-file-missing": (Severity.ERROR, "Every illustrations entry names a file of the lesson."),
}


def _files(lesson: Lesson, context: Context) -> tuple[Contributors | None, Illustrations | None, Report]:
    if "credit" not in context.memo:
        report = Report()
        contributors = load_contributors(lesson, report)
        illustrations = load_illustrations(lesson, report)
        context.memo["credit"] = (contributors, illustrations, report)
    return context.memo["credit"]


def _from_files(rule_id: str, lesson: Lesson, context: Context):
    for item in _files(lesson, context)[2]:
        if item.rule == rule_id:
            yield Finding(Spot(item.path, item.line, item.column), item.message, item.fix, item.severity)


def _file_rule(rule_id: str):
    severity, summary = FILE_RULES[rule_id]

    def check(lesson: Lesson, context: Context):
        return _from_files(rule_id, lesson, context)

    return rule(rule_id, severity, summary)(check)


# One module-level Rule per id (the registry collects the Rule objects of this module).
credit_file = _file_rule("credit-file")
credit_role_unknown = _file_rule("credit-role-unknown")
credit_contribution_unknown = _file_rule("credit-contribution-unknown")
credit_role_missing = _file_rule("credit-role-missing")
credit_orcid = _file_rule("credit-orcid")
credit_duplicate = _file_rule("credit-duplicate")
credit_licence_unknown = _file_rule("credit-licence-unknown")
illustration_licence_missing = _file_rule("illustration-licence-missing")
illustration_licence_conflict = _file_rule("illustration-licence-conflict")
illustration_credit_incomplete = _file_rule("illustration-credit-incomplete")
illustration_file_missing = _file_rule("illustration-file-missing")


def _figures(lesson: Lesson, context: Context):
    """(link, lesson path) of every image file used in the lesson's pages (kept per page between builds,
    so that an edit does not scan every page again)."""
    for page in lesson.pages():
        for url, alt, path, line, column in context.page_fact(page, "figures", lambda p: _page_figures(context, p)):
            yield Link("", url, Spot(path, line, column), image=True, alt=alt), \
                posixpath.normpath(posixpath.join(posixpath.dirname(path), url.split("#")[0].split("?")[0]))


def _page_figures(context: Context, page) -> list:
    return [[link.url, link.alt, link.at.path, link.at.line, link.at.column] for link in context.page_scan(page).links()
            if link.image and "://" not in link.url and not link.url.startswith("data:")]


def _illustrated_figures(lesson: Lesson, context: Context):
    """(illustrations file, link, lesson path) of every figure, when the lesson has an illustrations file."""
    _, illustrations, _ = _files(lesson, context)
    if illustrations is None:
        return
    for link, path in _figures(lesson, context):
        yield illustrations, link, path


@rule("illustration-missing", Severity.WARNING,
      "Every figure file a page shows has an entry in illustrations.yaml (when the lesson has one).")
def figure_without_entry(lesson: Lesson, context: Context):
    for illustrations, link, path in _illustrated_figures(lesson, context):
        if (lesson.root / path).is_file() and illustrations.find(path) is None:
            yield Finding(
                link.at, f"{path} has no entry in illustrations.yaml, so its origin and licence are unknown",
                f"Add '- file: {path}' with its title, creators, source and licence (or a pattern such as "
                f"{posixpath.dirname(path)}/*.svg for the lesson's own figures).")


@rule("illustration-alt", Severity.WARNING,
      "A figure's alternative text is recorded in illustrations.yaml and pages use the same.")
def alt_text(lesson: Lesson, context: Context):
    for illustrations, link, path in _illustrated_figures(lesson, context):
        entry = illustrations.find(path)
        if entry is None or entry.pattern:
            continue
        used = " ".join((link.alt or "").split())
        recorded = " ".join((entry.alt or "").split())
        if entry.alt is None or not recorded:
            if entry.reused:
                yield Finding(
                    Spot("illustrations.yaml", entry.line, 0), f"{entry.file} has no alternative text in illustrations.yaml",
                    f"Add alt: with what the image shows{f' (the page uses: {used!r})' if used else ''}.")
        elif not used:
            yield Finding(link.at, f"{path} is shown without alternative text",
                          f'Use the text recorded in illustrations.yaml: {{alt="{entry.alt}"}}')
        elif used != recorded:
            yield Finding(
                link.at, f"the alternative text of {path} differs from the one in illustrations.yaml (line {entry.line})",
                f"Use one text in both places; illustrations.yaml has {entry.alt!r}.")


def _names_of(entries) -> list[str]:
    found = []
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("name"):
            found.append(" ".join(str(entry["name"]).split()))
        else:
            given = str(entry.get("given-names") or "").strip()
            family = " ".join(str(entry[k]).strip() for k in ("name-particle", "family-names") if entry.get(k))
            found.append(" ".join(p for p in (given, family) if p))
    return found


def _text(lesson: Lesson, rel: str) -> str | None:
    raw = read_lesson_file(lesson.root, rel, "credit-metadata-mismatch", Report())
    return raw.decode("utf-8", errors="replace") if raw is not None else None


def _line_of(lesson: Lesson, rel: str, needle: str) -> int:
    for number, line in enumerate((_text(lesson, rel) or "").split("\n"), start=1):
        if needle in line:
            return number
    return 0


@rule("credit-metadata-mismatch", Severity.WARNING,
      "CITATION.cff and .zenodo.json list the same authors as contributors.yaml.")
def metadata_mismatch(lesson: Lesson, context: Context):
    contributors, _, _ = _files(lesson, context)
    if contributors is None or not contributors.authors:
        return
    expected = [" ".join(p.name.split()) for p in contributors.authors]
    fix = ("Regenerate the file from contributors.yaml (lessonkit release writes CITATION.cff and .zenodo.json), "
           "or make the author lists agree.")
    from lessonkit.credit.metadata import read_cff
    cff = read_cff(lesson)
    title = " ".join(str(cff.get("title") or "").split())
    if cff and title and lesson.config.title and title != " ".join(lesson.config.title.split()):
        yield _mismatch("CITATION.cff", _line_of(lesson, "CITATION.cff", "title:") or 1, 0, "credit-metadata-mismatch",
                        Severity.WARNING, f"CITATION.cff has the title {title!r} but config.yaml {lesson.config.title!r}",
                        fix)
    if cff:
        listed = _names_of(cff.get("authors"))
        if listed != expected:
            yield _mismatch("CITATION.cff", _line_of(lesson, "CITATION.cff", "authors:") or 1, 0,
                             "credit-metadata-mismatch", Severity.WARNING,
                             f"CITATION.cff lists the authors {listed} but contributors.yaml has {expected}", fix)
        cff_orcids = {str(a.get("orcid", "")).rsplit("/", 1)[-1] for a in cff.get("authors") or [] if isinstance(a, dict)}
        for person in contributors.authors:
            if person.orcid and person.orcid not in cff_orcids and listed == expected:
                yield _mismatch("CITATION.cff", _line_of(lesson, "CITATION.cff", person.family_names or person.name),
                                 0, "credit-metadata-mismatch", Severity.WARNING,
                                 f"CITATION.cff does not give the ORCID of {person.name} ({person.orcid})", fix)
    zenodo = lesson.root / ".zenodo.json"
    if zenodo.is_file():
        try:
            data = json.loads(_text(lesson, ".zenodo.json") or "{}")
        except json.JSONDecodeError as exc:
            yield _mismatch(".zenodo.json", getattr(exc, "lineno", 1), 0, "credit-metadata-mismatch",
                             Severity.WARNING, f".zenodo.json cannot be read: {exc}", fix)
            return
        creators = data.get("creators") if isinstance(data, dict) else None
        listed = [_zenodo_name(c) for c in creators or [] if isinstance(c, dict)]
        wanted = [_zenodo_name({"name": _family_first(p)}) for p in contributors.authors]
        if listed != wanted:
            yield _mismatch(".zenodo.json", _line_of(lesson, ".zenodo.json", '"creators"') or 1, 0,
                             "credit-metadata-mismatch", Severity.WARNING,
                             f".zenodo.json lists the creators {listed} but contributors.yaml has {wanted}", fix)


def _mismatch(path: str, line: int, column: int, rule_id: str, severity: Severity, message: str, fix: str):
    return Finding(Spot(path, line, column), message, fix, severity)


def _family_first(person) -> str:
    if person.group:
        return person.name
    given, family = person.split_name()
    return f"{family}, {given}" if given else family


def _zenodo_name(creator: dict) -> str:
    return " ".join(str(creator.get("name", "")).split())
