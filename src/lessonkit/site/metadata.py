"""Machine-readable metadata: schema.org JSON-LD, sitemap.xml, licence links."""

from __future__ import annotations

import json
from html import escape

from lessonkit.model import Lesson, Page

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

CARPENTRIES = {
    "swc": "Software Carpentry",
    "dc": "Data Carpentry",
    "lc": "Library Carpentry",
    "cp": "The Carpentries",
    "incubator": "The Carpentries Incubator",
    "lab": "The Carpentries Lab",
}


def licence_url(licence: str) -> str:
    return LICENCES.get(licence.strip().lower(), "")


def site_url(lesson: Lesson, path: str) -> str:
    base = lesson.config.url.strip()
    if not base:
        return path
    return base.rstrip("/") + "/" + path


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
    data["license"] = licence or config.license
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


def footer_html(lesson: Lesson, extra_slugs: set[str]) -> str:
    config = lesson.config
    parts: list[str] = []
    licence = licence_url(config.license)
    licence_text = escape(config.license or "see the lesson's licence")
    licence_link = f'<a href="{licence}" rel="license">{licence_text}</a>' if licence else licence_text
    own = ' (<a href="LICENSE.html">licence details</a>)' if "LICENSE" in extra_slugs else ""
    parts.append(f"<p>This lesson is shared under {licence_link}{own}.</p>")
    if lesson.citation:
        parts.append(f'<p>Cite this lesson: <span class="citation">{escape(lesson.citation.text)}</span></p>')
    links: list[str] = []
    if config.source:
        links.append(f'<a href="{escape(config.source)}">Source on the web</a>')
    if "CODE_OF_CONDUCT" in extra_slugs:
        links.append('<a href="CODE_OF_CONDUCT.html">Code of conduct</a>')
    if "CONTRIBUTING" in extra_slugs:
        links.append('<a href="CONTRIBUTING.html">Contributing</a>')
    if config.contact:
        contact = escape(config.contact)
        href = f"mailto:{contact}" if "@" in config.contact and ":" not in config.contact else contact
        links.append(f'<a href="{href}">Contact</a>')
    links.append('<a href="sitemap.xml">Site map</a>')
    parts.append("<p>" + " · ".join(links) + "</p>")
    parts.append("<p>Built with lessonkit.</p>")
    return "\n".join(parts)
