"""Machine-readable metadata (schema.org JSON-LD, sitemap.xml), licence links, branding,
the footer's data and when each page was last changed."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from html import escape

from lessonkit.credit.vocab import CARPENTRIES
from lessonkit.locale import N_
from lessonkit.model import Lesson, Page
from lessonkit.readers.urls import safe_href

LICENCES = {
    "cc-by 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc by 4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc-by-sa 4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc-by-sa-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "cc0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "mit": "https://opensource.org/license/mit",
}


#: Each carpentry's colour (the header's accent bar); any other value gets the neutral default.
BRAND_COLOURS = {
    "swc": "#2b3990",
    "dc": "#0c7a66",
    "lc": "#b4004e",
    "cp": "#383838",
    "incubator": "#6c4a9e",
    "lab": "#a14f00",
}
NEUTRAL_COLOUR = "#50575e"


def licence_url(licence: str) -> str:
    return LICENCES.get(licence.strip().lower(), "")


def site_url(lesson: Lesson, path: str) -> str:
    base = lesson.config.url.strip()
    if not base:
        return path
    return base.rstrip("/") + "/" + path


def _colour(value: object) -> str:
    text = str(value or "").strip()
    if len(text) in (4, 7) and text.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in text[1:]):
        return text
    return ""


def branding(lesson: Lesson) -> dict:
    """The carpentry's name and colour, or an institute's own (config ``logo:``, ``brand_colour:``,
    ``carpentry_description:``); a DOI badge for stable lessons with ``doi:``."""
    config = lesson.config
    extra = config.extra
    carpentry = (config.carpentry or "").strip().lower()
    name = str(extra.get("carpentry_description") or CARPENTRIES.get(carpentry, "")).strip()
    colour = _colour(extra.get("brand_colour") or extra.get("brand_color")) or BRAND_COLOURS.get(carpentry,
                                                                                               NEUTRAL_COLOUR)
    logo = str(extra.get("logo") or "").strip()
    if logo.startswith(("javascript:", "data:")) or "//" in logo:
        logo = ""  # a file the lesson ships (e.g. fig/logo.svg); never a remote one
    doi = str(extra.get("doi") or (lesson.citation.doi if lesson.citation else "") or "").strip()
    doi = doi.removeprefix("https://doi.org/").removeprefix("doi:")
    return {
        "carpentry": carpentry if carpentry in CARPENTRIES else "other",
        "name": name,
        "colour": colour,
        "logo": logo,
        "doi": doi if doi and config.life_cycle == "stable" else "",
    }


def jsonld(lesson: Lesson, page: Page | None, path: str, title: str) -> str:
    config = lesson.config
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "name": title,
        "inLanguage": config.lang or "en",
        "learningResourceType": "episode" if page is not None and page.kind == "episode" else "lesson",
        "educationalUse": "instruction",
    }
    if config.url:
        data["url"] = site_url(lesson, path)
    licence = licence_url(config.license)
    data["license"] = str(config.extra.get("license_url") or "") or licence or config.license
    if config.keywords:
        data["keywords"] = config.keywords
    if config.created:
        data["dateCreated"] = config.created
    if page is not None and page.minutes:
        data["timeRequired"] = f"PT{page.minutes}M"
    if page is None or page.kind != "index":
        part = {"@type": "LearningResource", "name": config.title}
        if config.url:
            part["url"] = site_url(lesson, "index.html")
        data["isPartOf"] = part
    citation = lesson.citation
    if citation and citation.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in citation.authors]
    if config.carpentry in CARPENTRIES:
        data["publisher"] = {"@type": "Organization", "name": CARPENTRIES[config.carpentry]}
    # "</" must not appear inside a <script> element.
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def sitemap(lesson: Lesson, paths: list[str]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in paths:
        lines.append(f"  <url><loc>{escape(site_url(lesson, path), quote=False)}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


FOOTER_LINKS = (N_("Source on the web"), N_("Code of conduct"), N_("Contributing"), N_("Contact"), N_("Site map"))


def footer_context(lesson: Lesson, extra_slugs: set[str]) -> dict:
    """What templates/footer.html shows (plain data: the template writes and translates it)."""
    config = lesson.config
    licence = safe_href(str(config.extra.get("license_url") or "")) or licence_url(config.license)
    links: list[dict] = []
    if safe_href(config.source):  # never a javascript: link (readers/urls.py)
        links.append({"href": config.source, "label": "Source on the web"})
    if "CODE_OF_CONDUCT" in extra_slugs:
        links.append({"href": "CODE_OF_CONDUCT.html", "label": "Code of conduct"})
    if "CONTRIBUTING" in extra_slugs:
        links.append({"href": "CONTRIBUTING.html", "label": "Contributing"})
    if config.contact:
        href = f"mailto:{config.contact}" if "@" in config.contact and ":" not in config.contact else config.contact
        if safe_href(href):
            links.append({"href": href, "label": "Contact"})
    links.append({"href": "sitemap.xml", "label": "Site map"})
    return {
        "licence": config.license,
        "licence_url": licence,
        "licence_page": "LICENSE.html" if "LICENSE" in extra_slugs else "",
        "citation": lesson.citation.text if lesson.citation else "",
        "links": links,
        "version": "",
    }


def page_date(lesson: Lesson, source: str, known: str) -> str:
    """The 'Last updated' date of one page after an edit (``known``: the date the build found): a lesson in
    git keeps its last commit's date, as :func:`last_updated` does; otherwise the file's new time."""
    if known and _in_git(lesson.root):
        return known
    return _file_dates(str(lesson.root), [source], {}).get(source, known)


def _in_git(root) -> bool:
    return any((parent / ".git").exists() for parent in (root, *root.parents))


def last_updated(lesson: Lesson) -> dict[str, str]:
    """When each page's source last changed (ISO date): its last commit when the lesson is in a
    git repository and the file is committed, else the file's modification time."""
    return _file_dates(str(lesson.root), [p.source for p in lesson.pages() if p.source], _git_dates(lesson))


def _file_dates(root: str, sources: list[str], committed: dict[str, str]) -> dict[str, str]:
    """Each source's commit date when it has one, else its modification day (UTC)."""
    days: dict[int, str] = {}  # day number -> ISO date (a lesson's files share few days)
    epoch = dt.date(1970, 1, 1)
    out: dict[str, str] = {}
    for source in sources:
        date = committed.get(source)
        if date is None:
            try:
                day = int(os.stat(os.path.join(root, source)).st_mtime // 86400)
            except OSError:
                continue
            date = days.get(day) or days.setdefault(day, (epoch + dt.timedelta(days=day)).isoformat())
        out[source] = date
    return out


def _git_dates(lesson: Lesson) -> dict[str, str]:
    """The date of the last commit that touched each file under the lesson (one ``git log``)."""
    root = lesson.root
    if not _in_git(root):
        return {}
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "log", "--format=%x00%cs", "--name-only", "--no-renames", "--relative",
             "-n", "5000", "--", "."],
            capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if done.returncode != 0:
        return {}
    dates: dict[str, str] = {}
    date = ""
    for line in done.stdout.splitlines():
        if line.startswith("\x00"):
            date = line[1:].strip()
        elif line and date:
            dates.setdefault(line, date)
    return dates
