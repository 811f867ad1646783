"""Pre- and post-workshop surveys and the impact report (issue #18, items 4 and 5).

* ``bank`` — the built-in, versioned question bank (``bank/*.yaml``) and a workshop's own items;
* ``pairing`` — self-chosen pairing codes, stored as a per-workshop salted hash;
* ``report`` — the report computed from plain data (``build_report``), with the small-number rules;
* ``svg`` / ``render`` — accessible SVG charts, the offline HTML file and the PDF.
"""

from __future__ import annotations


def routes() -> list:
    """The survey and report pages (mounted by ``feedback.app``)."""
    from lessonkit.feedback.surveys.pages import routes as page_routes

    return list(page_routes)
