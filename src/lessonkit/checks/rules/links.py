"""Links and images point at something that exists (pages, anchors, files, case-sensitively), over
https, with a scheme a browser follows; reference links have a definition; links to another lesson of
a catalogue point at one of its pages (checked against the lessons built together, never by reading
files outside the lesson)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lessonkit.checks.context import Context, PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Severity
from lessonkit.model import Lesson, Page
from lessonkit.site.links import ROOT, SCHEME, Catalogue, LinkResolver, OtherLesson, SiteMap, split_url

NOT_CHECKED = ("mailto:", "tel:", "data:", "javascript:")
#: Schemes a lesson may link to; anything else (javascript:, a typo such as htps:, 'localhost:8888') is reported.
KNOWN_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp", "ftps", "sftp", "ssh", "git", "irc", "ircs",
                           "news", "xmpp", "sms", "geo", "magnet", "urn", "doi", "data"})
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]")


def _closest_path(url: str, site: SiteMap) -> str:
    import difflib

    names = list(site.assets) + [f"{slug}.html" for slug in site.slugs]
    lowered = {n.lower(): n for n in names}
    path = split_url(url)[0].lstrip("./")
    base = path.split("/")[-1]
    for name, original in lowered.items():
        if (name.endswith("/" + base.lower()) or name == base.lower()) and original.split("/")[-1] != base:
            return f" (did you mean {original}? paths are case-sensitive)"
    match = difflib.get_close_matches(path, names, n=1, cutoff=0.75)
    return f" (did you mean {match[0]}?)" if match else ""


def _templated(url: str) -> bool:
    return "{{" in url or "{%" in url


@rule("link-target-missing", Severity.WARNING, "Links and images point at pages and files of the lesson that exist.")
def targets(page: Page, scan: PageScan, site: SiteMap):
    resolver = LinkResolver(site, page.source)
    for link in scan.links():
        url = link.url.strip()
        if not url or url.startswith(("#", "//", *NOT_CHECKED)) or SCHEME.match(url) or _templated(url):
            continue
        resolver.unresolved.clear()
        if link.image:
            resolver.resource(url)
        else:
            resolver.link(url)
        if resolver.unresolved:
            what = "image" if link.image else "link target"
            yield Finding(link.at, f"{what} {url!r} does not exist in the lesson{_closest_path(url, site)}",
                          "Fix the path (relative to this file, case-sensitive) or add the missing file.")


def _checkable(url: str) -> bool:
    return bool(url) and not url.startswith(("#", "//", *NOT_CHECKED)) and not SCHEME.match(url) and not _templated(url)


def _other_problem(url: str, target: OtherLesson, catalogue: Catalogue) -> tuple[str, str] | None:
    """(message, fix) when ``target`` is not a page of the catalogue's lessons (or the lesson is built alone)."""
    import difflib

    written = f"../{target.lesson}/{target.slug}.html"
    if catalogue.lessons is None:
        return (f"link {url!r} points at {target.source or 'the home page'} of the lesson '{target.lesson}', "
                f"outside this lesson: it is written as {written!r}, which reaches that page only where this "
                "lesson's site is published beside the other lesson's (as a catalogue build writes them); "
                "lessonkit checks such links only when the lessons are built or checked together",
                "Check the folder that holds both lessons (e.g. 'lessonkit check ..') to verify the link; for a "
                "lesson published on its own, link to the other lesson's https:// address instead.")
    site = catalogue.site(target.lesson)
    if site is None:
        names = sorted(catalogue.lessons)
        match = difflib.get_close_matches(target.lesson, names, n=1, cutoff=0.6)
        hint = f" (did you mean '{match[0]}'?)" if match else ""
        return (f"link {url!r} points at the lesson '{target.lesson}', which is not in the catalogue{hint}; "
                f"its lessons are: {', '.join(names)}",
                "Fix the lesson's folder name in the path (relative to this file, e.g. "
                f"'../../{match[0] if match else names[0]}/episodes/PAGE.md'), or add the lesson to the catalogue.")
    source = target.source or "index.md"
    if source not in site.pages:
        match = difflib.get_close_matches(source, sorted(site.pages), n=1, cutoff=0.8)
        hint = f" (did you mean {match[0]}?)" if match else ""
        return (f"link {url!r}: the lesson '{target.lesson}' has no page {source}{hint}",
                "Link to the source file of one of its pages (a path relative to this file, with the folder: "
                "episodes/, learners/, instructors/ or profiles/), as listed in its config.yaml.")
    return None


@rule("link-other-lesson", Severity.WARNING, "Links to a page of another lesson of a catalogue (by its source "
                                              "file) point at one that exists; a lesson built alone gets a note "
                                              "that such a link works only beside the other lesson.")
def other_lessons(page: Page, scan: PageScan, site: SiteMap):
    catalogue = site.catalogue
    if catalogue is None:
        return  # the caller did not say which lessons are built with this one: nothing to check against
    resolver = LinkResolver(site, page.source)
    for link in scan.links():
        url = link.url.strip()
        if link.image or not _checkable(url):
            continue
        resolver.elsewhere.clear()
        resolver.link(url)
        for _, target in resolver.elsewhere:
            problem = _other_problem(url, target, catalogue)
            if problem:  # alone: a note (the link may well work where the site is published), else a warning
                yield Finding(link.at, *problem, Severity.INFO if catalogue.lessons is None else Severity.WARNING)


@rule("link-reference-undefined", Severity.WARNING, "Reference links ([text][label]) have a definition.")
def references(scan: PageScan, lesson: Lesson):
    defined = {label for run in scan.runs for label in run.found.definitions}
    defined |= {" ".join(label.lower().split()) for label in lesson.references}
    for run in scan.runs:
        for use in run.found.references:
            if use.explicit and " ".join(use.label.lower().split()) not in defined:
                yield Finding(use.at, f"reference link '[{use.text}][{use.label}]' has no definition",
                              f"Add a line '[{use.label}]: https://...' to the page or to links.md.")


@rule("link-insecure", Severity.WARNING, "Links use https:// (http:// only for localhost).")
def insecure(scan: PageScan):
    for link in scan.links():
        url = link.url.strip()
        if url[:7].lower() != "http://":
            continue
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host in LOCAL_HOSTS or host.endswith(".localhost"):
            continue
        what = "image" if link.image else "link"
        yield Finding(link.at, f"{what} {url!r} uses http://: the connection is not encrypted and browsers may "
                               "block or warn about it",
                      "Use https:// (most sites serve it); keep http:// only for sites that have no https.")


@rule("link-protocol", Severity.WARNING, "Links use a scheme browsers follow (https:, mailto:, ...); "
                                         "javascript: and unknown schemes are reported.")
def protocol(scan: PageScan):
    for link in scan.links():
        url = link.url.strip()
        m = SCHEME.match(url)
        if m is None or _templated(url):
            continue
        scheme = m.group(0)[:-1].lower()
        if scheme in KNOWN_SCHEMES or (len(scheme) == 1 and url[2:3] in ("/", "\\")):
            continue
        if scheme in ("javascript", "vbscript"):
            message = f"{scheme}: link {url[:60]!r}: the site leaves it out (scripts in links are unsafe)"
        else:
            message = f"link {url[:60]!r} has the unknown scheme '{scheme}:', which browsers do not follow"
        yield Finding(link.at, message,
                      "Link to an https:// address or a file of the lesson; if a scheme is missing, "
                      "write it in full (e.g. 'https://localhost:8888' rather than 'localhost:8888').")


@rule("link-anchor-missing", Severity.WARNING, "Links to #anchors point at a heading or id that exists.")
def anchors(lesson: Lesson, site: SiteMap, context: Context):
    for page in lesson.pages():
        resolver = LinkResolver(site, page.source)
        summary = context.anchor_summary(page)
        own = summary.anchors
        for link in summary.links:
            url = link.url.strip()
            if SCHEME.match(url) or url.startswith("//") or "{{" in url:
                continue
            path, fragment = url.split("#", 1)
            if not fragment or fragment.startswith(("!", "/")):
                continue
            if not path:
                targets = own
                where = "this page"
            else:
                resolver.unresolved.clear()
                resolver.elsewhere.clear()
                resolved = resolver.link(url)
                if resolver.elsewhere:
                    found = _other_anchors(resolver.elsewhere[0][1], site.catalogue)
                    if found is None:
                        continue  # not checkable here, or reported by link-other-lesson
                    where, targets = found
                elif resolver.unresolved or resolved.startswith(ROOT):
                    continue  # reported as a missing target, or a file
                else:
                    slug = split_url(resolved)[0].removesuffix(".html")
                    target = context.page_by_slug(slug)
                    if target is None:
                        continue  # a generated page (key points, ...)
                    targets = context.anchor_summary(target).anchors
                    where = target.source
            if fragment not in targets and not re.fullmatch(r"(fn|fnref)\d+(:\d+)?", fragment):
                yield Finding(
                    Spot(link.at.path, link.at.line, link.at.column),
                    f"anchor '#{fragment}' does not exist in {where}",
                    "Link to an existing heading (its anchor is the heading text in lower case, with hyphens "
                    "for spaces) or add '{#" + fragment + "}' to the heading you mean.")


def _other_anchors(target: OtherLesson, catalogue: Catalogue | None) -> tuple[str, frozenset[str]] | None:
    """(where, anchors) of a page of another lesson of the catalogue, or None when it is not there."""
    site = catalogue.site(target.lesson) if catalogue is not None else None
    source = target.source or "index.md"
    if site is None or source not in site.pages:
        return None
    key = ("anchors", target.lesson, source)
    if key not in catalogue.memo:
        lesson = catalogue.lessons[target.lesson]
        page = next(p for p in lesson.pages() if p.source == source)
        catalogue.memo[key] = Context(lesson, site).anchor_summary(page).anchors
    return f"{target.lesson}/{source}", catalogue.memo[key]
