"""Images: alternative text that describes them."""

from __future__ import annotations

import posixpath
import re

from lessonkit.checks.context import PageScan
from lessonkit.checks.rule import Finding, rule
from lessonkit.diagnostics import Severity

VAGUE = {"image", "figure", "picture", "photo", "screenshot", "img", "graph", "chart", "diagram", "alt", "alt text",
         "plot", "icon", "logo"}


@rule("image-alt-missing", Severity.WARNING, "Images have alternative text for people who cannot see them.")
def alt_missing(scan: PageScan):
    for link in scan.links():
        if link.image and not (link.alt or "").strip():
            yield Finding(link.at, f"image {link.url!r} has no alternative text",
                          'Describe what the image shows: ![Caption](fig/x.png){alt="What the image shows"} '
                          "(or alt=\"\" on purely decorative images in HTML).")


@rule("image-alt-filename", Severity.WARNING, "Alternative text describes the image; a file name or 'image' does not.")
def alt_meaningless(scan: PageScan):
    for link in scan.links():
        if not link.image or not (link.alt or "").strip():
            continue
        alt = link.alt.strip()
        name = posixpath.basename(link.url.split("?")[0].split("#")[0])
        stem = name.rsplit(".", 1)[0]
        plain = re.sub(r"[\s_-]+", " ", alt.lower()).strip()
        if alt == name or plain == re.sub(r"[\s_-]+", " ", stem.lower()).strip():
            yield Finding(link.at, f"the alternative text of {link.url!r} is its file name",
                          "Describe what the image shows instead of naming the file.")
        elif plain in VAGUE:
            yield Finding(link.at, f"the alternative text of {link.url!r} ('{alt}') does not describe it",
                          "Say what the image shows, e.g. 'Bar chart of cell counts per sample'.")
