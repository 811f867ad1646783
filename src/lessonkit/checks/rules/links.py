"""Links and images point at something that exists (pages, anchors, files, case-sensitively), over
https, with a scheme a browser follows; reference links have a definition."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lessonkit.checks.context import Context, PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Severity
from lessonkit.model import Lesson, Page
from lessonkit.site.links import ROOT, SCHEME, LinkResolver, SiteMap, split_url

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
                resolved = resolver.link(url)
                if resolver.unresolved or resolved.startswith(ROOT):
                    continue  # reported as a missing target, or a file
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
