"""Links and images point at something that exists: pages, anchors, files (case-sensitively)."""

from __future__ import annotations

import re

from lessonkit.checks.registry import Context, rule
from lessonkit.diagnostics import Severity
from lessonkit.model import Lesson, Page
from lessonkit.site.links import ROOT, SCHEME, LinkResolver, split_url

NOT_CHECKED = ("mailto:", "tel:", "data:", "javascript:")


def _closest_path(url: str, context: Context) -> str:
    import difflib

    names = list(context.site.assets) + [f"{slug}.html" for slug in context.site.slugs]
    lowered = {n.lower(): n for n in names}
    path = split_url(url)[0].lstrip("./")
    base = path.split("/")[-1]
    for name, original in lowered.items():
        if (name.endswith("/" + base.lower()) or name == base.lower()) and original.split("/")[-1] != base:
            return f" (did you mean {original}? paths are case-sensitive)"
    match = difflib.get_close_matches(path, names, n=1, cutoff=0.75)
    return f" (did you mean {match[0]}?)" if match else ""


@rule("link-target-missing", Severity.WARNING, "Links and images point at pages and files of the lesson that exist.")
def targets(page: Page, context: Context):
    resolver = LinkResolver(context.site, page.source)
    for node, link in context.page_scan(page).links():
        url = link.url.strip()
        if not url or url.startswith(("#", "//", *NOT_CHECKED)) or SCHEME.match(url) or "{{" in url or "{%" in url:
            continue
        resolver.unresolved.clear()
        if link.image:
            resolver.resource(url)
        else:
            resolver.link(url)
        if resolver.unresolved:
            what = "image" if link.image else "link target"
            yield context.diagnostic(
                "link-target-missing", page, link.line, link.column,
                f"{what} {url!r} does not exist in the lesson{_closest_path(url, context)}",
                "Fix the path (relative to this file, case-sensitive) or add the missing file.", node)


@rule("link-reference-undefined", Severity.WARNING, "Reference links ([text][label]) have a definition.")
def references(page: Page, context: Context):
    scan = context.page_scan(page)
    defined = {label for _, result in scan.runs for label in result.definitions}
    defined |= {label.lower() for label in context.lesson.references}
    for node, result in scan.runs:
        for text, label, line, column, _ in result.references:
            key = " ".join(label.lower().split())
            if key in defined:
                continue
            if f"[{text}][{label}]" in node.text or f"[{text}][]" in node.text:
                yield context.diagnostic(
                    "link-reference-undefined", page, line, column,
                    f"reference link '[{text}][{label}]' has no definition",
                    f"Add a line '[{label}]: https://...' to the page or to links.md.", node)


@rule("link-anchor-missing", Severity.WARNING, "Links to #anchors point at a heading or id that exists.", scope="lesson")
def anchors(lesson: Lesson, context: Context):
    for page in lesson.pages():
        resolver = LinkResolver(context.site, page.source)
        summary = context.anchor_summary(page)
        own = summary.anchors
        for raw_url, line, column, source in summary.links:
            url = raw_url.strip()
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
                yield context.diagnostic(
                    "link-anchor-missing", page, line, column,
                    f"anchor '#{fragment}' does not exist in {where}",
                    "Link to an existing heading (its anchor is the heading text in lower case, with hyphens "
                    "for spaces) or add '{#" + fragment + "}' to the heading you mean.", path=source)
