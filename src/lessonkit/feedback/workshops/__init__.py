"""Workshops in the feedback service (issue #18): publishing a workshop file, registration with a
waiting list, private registration links, e-mails, attendance per session, roles and privacy.

``store`` holds the database logic (and ``headcounts``, which reports use), ``access`` the
role checks (``can_see``), ``mail`` the e-mails, ``pages`` the web pages; ``routes()`` is what
the application mounts.
"""

from __future__ import annotations


def routes() -> list:
    from lessonkit.feedback.workshops.pages import routes as page_routes

    return list(page_routes)
