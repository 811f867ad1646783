"""``lessonkit workshop build``: a workshop file made into a static website.

The site holds ``index.html`` (the landing page, in the lesson theme), ``workshop.ics``,
``workshop.jsonld`` (also embedded in the page), ``handout.html``/``handout.pdf`` (the
exercises without solutions) and ``instructor/handout.html``/``.pdf`` (with them), and,
unless the lessons are published elsewhere, each lesson's own site in ``<lesson>/`` so that
the schedule's links work offline. It is written through :class:`StagedOutput`: a build
that fails leaves the previous output as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from lessonkit.diagnostics import Diagnostic, Severity
from lessonkit.output import OutputError, StagedOutput
from lessonkit.workshop.load import EXTRA_HINT, display, load_workshop
from lessonkit.workshop.model import Workshop
from lessonkit.workshop.timetable import Timetable, fit

FILES = {"ics": "workshop.ics", "jsonld": "workshop.jsonld", "handout": "handout.html", "handout_pdf": "handout.pdf",
         "instructor_handout": "instructor/handout.html", "instructor_handout_pdf": "instructor/handout.pdf"}


@dataclass
class WorkshopResult:
    ok: bool
    out: Path | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    workshop: Workshop | None = None
    timetable: Timetable | None = None


def _errors(found: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in found)


def check_workshop(path: Path, today: date | None = None, allow_past: bool = False
                   ) -> tuple[Workshop | None, Timetable | None, list[Diagnostic]]:
    """Everything ``lessonkit workshop check`` reports: the file, the lessons' schedules, the fit."""
    workshop, found = load_workshop(path, today=today, allow_past=allow_past)
    table = None
    if workshop is not None:
        table = fit(workshop)
        found = sorted(found + table.diagnostics, key=Diagnostic.sort_key)
    return workshop, table, found


def _missing_extra() -> Diagnostic | None:
    for module in ("icalendar", "weasyprint", "jsonschema"):
        try:
            __import__(module)
        except ImportError:
            return Diagnostic(".", 0, 0, "workshop-extra", Severity.ERROR,
                              f"building a workshop needs the '{module}' package",
                              f"Install the workshop extra: {EXTRA_HINT}.")
        except OSError as exc:  # WeasyPrint without its Pango libraries
            return Diagnostic(".", 0, 0, "workshop-extra", Severity.ERROR,
                              f"WeasyPrint cannot load its system libraries ({exc})",
                              "Install Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 (see .ci/system-deps).")
    return None


def write_site(workshop: Workshop, table: Timetable, staged: StagedOutput, prefix: str,
               bases: dict[str, str], page_url: str = "", home: str = "") -> list[str]:
    """Write the workshop's files into ``staged`` under ``prefix``; ``bases`` maps each lesson's
    name to where its site is, relative to the workshop page (e.g. ``"../../intro/"``)."""
    from lessonkit.workshop import outputs

    written: list[str] = []

    def write(rel: str, data: str | bytes) -> None:
        staged.write(prefix + rel, data)
        written.append(prefix + rel)

    theme = resources.files("lessonkit.site").joinpath("static")
    own = resources.files("lessonkit.workshop").joinpath("static")
    from lessonkit.site.highlight import stylesheet

    write("assets/lessonkit.css", theme.joinpath("lessonkit.css").read_text() + "\n/* Pygments */\n" + stylesheet())
    write("assets/favicon.svg", theme.joinpath("favicon.svg").read_bytes())
    for name in ("workshop.js", "workshop.css"):
        write(f"assets/{name}", own.joinpath(name).read_bytes())

    structured = outputs.jsonld(workshop, table, bases, page_url)
    write(FILES["jsonld"], json.dumps(structured, ensure_ascii=False, indent=2) + "\n")
    write(FILES["ics"], outputs.calendar(workshop, table, page_url))

    setup = []
    for choice in workshop.lessons:
        page = next((p for p in choice.lesson.learners if p.slug == "setup"), None)
        if page is not None:
            base = bases.get(choice.name, "")
            html = outputs.rebase(outputs.demote(outputs._render_page(choice.lesson, page), 2), base)
            setup.append((choice.lesson.config.title, base + page.filename, html))
    write("index.html", outputs.landing(workshop, table, bases, setup, structured, FILES, home))

    found = outputs.exercises(workshop, table, bases)
    learner = outputs.handout_html(workshop, found, False, outputs.HANDOUT_CSS)
    instructor_bases = {k: "../" + v if not v.startswith(("http:", "https:", "/")) else v for k, v in bases.items()}
    instructor_found = outputs.exercises(workshop, table, instructor_bases)
    instructor = outputs.handout_html(workshop, instructor_found, True, outputs.HANDOUT_CSS)
    write(FILES["handout"], learner)
    write(FILES["instructor_handout"], instructor)
    folder = (staged.stage / prefix).resolve()
    write(FILES["handout_pdf"], outputs.pdf(learner, folder.as_uri() + "/"))
    write(FILES["instructor_handout_pdf"], outputs.pdf(instructor, (folder / "instructor").as_uri() + "/"))
    return written


def _build_lessons(workshop: Workshop, staged: StagedOutput, prefix: str, execution) -> list[Diagnostic]:
    """Each lesson's own site in ``<prefix><lesson name>/`` (checked, executed, rendered as by ``lessonkit build``)."""
    from lessonkit.build import _prefixed
    from lessonkit.cache import cache_dir
    from lessonkit.checks import Checker
    from lessonkit.execute import ExecutionOptions, execute_lesson
    from lessonkit.site.builder import BuildState, SiteBuilder

    found: list[Diagnostic] = []
    for choice in workshop.lessons:
        lesson = choice.lesson
        shown = display(choice.root) + "/"
        problems = list(lesson.report) + Checker().check(lesson)
        found.extend(_prefixed([d for d in problems if d.severity is Severity.ERROR], shown))
        if _errors(found):
            continue
        cache = cache_dir(choice.root)
        executed = execute_lesson(lesson, cache / "exec", execution or ExecutionOptions())
        found.extend(_prefixed(executed.diagnostics, shown))
        if _errors(found):
            continue
        SiteBuilder(lesson, staged, BuildState(), prefix=f"{prefix}{choice.name}/").build()
    return found


def build_workshop(path: Path, out: Path, *, include_lessons: bool = True, execution=None,
                   today: date | None = None, allow_past: bool = False, page_url: str = "",
                   progress: Callable[[str], None] | None = None) -> WorkshopResult:
    workshop, table, found = check_workshop(path, today, allow_past)
    result = WorkshopResult(False, out, found, workshop=workshop, timetable=table)
    if workshop is None or table is None or _errors(found):
        return result
    missing = _missing_extra()
    if missing is not None:
        result.diagnostics.append(missing)
        return result
    try:
        staged = StagedOutput(out)
    except (OutputError, OSError) as exc:
        result.diagnostics.append(Diagnostic(display(out), 0, 0, "output-path", Severity.ERROR, str(exc),
                                             "Choose another --out folder."))
        return result
    try:
        bases = {}
        if include_lessons:
            if progress:
                progress("building the lessons")
            problems = _build_lessons(workshop, staged, "", execution)
            result.diagnostics.extend(problems)
            if _errors(problems):
                staged.abort()
                return result
            bases = {c.name: f"{c.name}/" for c in workshop.lessons}
        else:
            bases = {c.name: (c.lesson.config.url.rstrip("/") + "/") if c.lesson.config.url else f"{c.name}/"
                     for c in workshop.lessons}
        if progress:
            progress("writing the workshop pages, calendar and handouts")
        result.files = write_site(workshop, table, staged, "", bases, page_url)
        staged.commit()
    except BaseException:
        staged.abort()
        raise
    result.ok = True
    return result


STAMP = ".lessonkit-workshop.json"


def _inputs_key(workshop: Workshop, bases: dict[str, str]) -> str:
    import hashlib

    from lessonkit import __version__
    from lessonkit.signature import code_signature

    parts = [__version__, code_signature(("lessonkit.workshop", "."), ("lessonkit.workshop", "templates"),
                                         ("lessonkit.workshop", "static")),
             workshop.path.read_text(encoding="utf-8", errors="replace"), repr(sorted(bases.items()))]
    for choice in workshop.lessons:
        parts.append(repr(sorted(choice.lesson.files.items())))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def _reuse(staged: StagedOutput, target: str, key: str) -> list[str] | None:
    """The files of an unchanged workshop, carried over from the previous output (no PDF re-made)."""
    if staged.previous is None:
        return None
    try:
        stamp = json.loads((staged.previous / target / STAMP).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("key") != key or not isinstance(stamp.get("files"), list):
        return None
    files = [f for f in stamp["files"] if isinstance(f, str)]
    if not all(staged.reuse(f) for f in [*files, target + STAMP]):
        return None
    return files


def build_workshops(lessons_dir: Path, staged: StagedOutput, prefix: str = "workshops/",
                    today: date | None = None) -> tuple[list[dict], list[Diagnostic]]:
    """The example workshops of a catalogue (``<lessons_dir>/workshops/*.yaml``), each written to
    ``<prefix><slug>/`` with links to the catalogue's lessons beside it (build.py calls this
    for a folder of lessons, so that ``make serve`` shows them). Returns one entry per workshop
    built (for the catalogue page) and, as warnings, the problems of those left out. Past dates
    are allowed (an archive). An unchanged workshop is carried over from the previous output."""
    folder = lessons_dir / "workshops"
    built: list[dict] = []
    found: list[Diagnostic] = []
    if not folder.is_dir():
        return built, found
    missing = _missing_extra()
    if missing is not None:
        found.append(Diagnostic(display(folder), 0, 0, missing.rule, Severity.WARNING,
                                "the example workshops are left out: " + missing.message, missing.fix))
        return built, found
    slugs: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        workshop, table, problems = check_workshop(path, today, allow_past=True)
        if workshop is None or table is None or _errors(problems) or workshop.slug in slugs:
            if workshop is not None and workshop.slug in slugs:
                problems = [*problems, Diagnostic(display(path), 1, 1, "workshop-schema", Severity.ERROR,
                                                  f"another workshop file has the slug '{workshop.slug}'",
                                                  "Give every workshop its own slug.")]
            found.extend(Diagnostic(d.path, d.line, d.column, d.rule, Severity.WARNING,
                                    "workshop left out of the catalogue: " + d.message, d.fix)
                         for d in problems if d.severity is Severity.ERROR)
            continue
        slugs.add(workshop.slug)
        depth = "../" * (prefix.count("/") + 1)
        bases = {c.name: f"{depth}{c.name}/" for c in workshop.lessons
                 if c.root.parent.resolve() == lessons_dir.resolve()}
        for c in workshop.lessons:
            bases.setdefault(c.name, (c.lesson.config.url.rstrip("/") + "/") if c.lesson.config.url else "")
        target = f"{prefix}{workshop.slug}/"
        key = _inputs_key(workshop, bases)
        files = _reuse(staged, target, key)
        if files is None:
            files = write_site(workshop, table, staged, target, bases, home=f"{depth}index.html")
            staged.write(target + STAMP, json.dumps({"key": key, "files": files}))
        built.append({"title": workshop.title, "href": f"{target}index.html", "first": workshop.first_start,
                      "last": workshop.last_end, "lessons": [c.lesson.config.title for c in workshop.lessons],
                      "where": workshop.venue.get("name") if workshop.venue else "Online" if workshop.online else ""})
    return built, found


def catalogue_section(workshops: list[dict]) -> str:
    """The catalogue page's list of example workshops ("" when there are none)."""
    from html import escape

    from lessonkit.workshop.outputs import long_date

    if not workshops:
        return ""
    items = []
    for item in workshops:
        when = long_date(item["first"])
        if long_date(item["last"]) != when:
            when += f" to {long_date(item['last'])}"
        items.append(f'<li><h3><a href="{escape(item["href"])}">{escape(item["title"])}</a></h3>'
                     f'<p class="meta">{escape(when)}{" · " + escape(item["where"]) if item["where"] else ""} · '
                     f'{escape(", ".join(item["lessons"]))}</p></li>')
    return ('<section class="catalogue-workshops" aria-labelledby="workshops"><h2 id="workshops">Workshops</h2>'
            "<p>Example workshops, each with its schedule computed from the lessons' timings, "
            "a calendar and exercise handouts.</p>"
            f'<ul class="catalogue">{"".join(items)}</ul></section>\n')
