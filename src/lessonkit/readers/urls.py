"""URL-valued configuration fields: only ``http:``, ``https:`` and ``mailto:`` become links.

``source:``, ``url:``, ``contact:`` (``email:`` in styles lessons), ``feedback_url:`` and ``license_url:``
end up in an ``href`` (every footer, the canonical link, the site map, the feedback
widget), so a lesson could otherwise write ``source: "javascript:alert(1)"``.  The readers
check each field with :func:`check_config_urls`: a value with any other scheme is an error
(``config-url``) and a value without a scheme (``github.com/me/lesson``) a warning; either
way the field is emptied, so it is never emitted.  Renderers can also ask :func:`safe_href`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lessonkit.diagnostics import Report
from lessonkit.model import LessonConfig

SCHEMES = ("http", "https", "mailto")
#: Fields of ``config.extra`` that must be http(s) addresses.
EXTRA_KEYS = ("feedback_url", "license_url")
#: A bare e-mail address (the footer turns it into mailto:).
EMAIL = re.compile(r"[^@\s<>\"'()\\,;:]+@[^@\s<>\"'()\\,;:]+\.[^@\s<>\"'()\\,;:]+")
_CONTROL = re.compile(r"[\x00-\x20\x7f<>\"'`\\]")


def url_problem(value: str, email_ok: bool = False) -> tuple[str, bool] | None:
    """(what is wrong, whether it is dangerous), or None when ``value`` may be an href."""
    text = value.strip()
    if email_ok and EMAIL.fullmatch(text):
        return None
    if _CONTROL.search(text):
        return "contains spaces, quotes or control characters", True
    try:
        parts = urlsplit(text)
    except ValueError:
        return "is not a valid URL", True
    scheme = parts.scheme.lower()
    if not scheme:
        return "has no scheme (it should start with https://)", False
    if scheme not in SCHEMES:
        return f"uses the '{scheme}:' scheme; only https:, http: and mailto: are allowed", True
    if scheme in ("http", "https") and not parts.netloc:
        return "has no host name", False
    if scheme == "mailto" and not EMAIL.fullmatch(parts.path):
        return "is not a mailto: address", False
    return None


def safe_href(value: str | None, email_ok: bool = False) -> str:
    """``value`` when it may be put in an href, otherwise ""."""
    if not value or url_problem(value, email_ok) is not None:
        return ""
    return value.strip()


def _line_of(text: str, key: str) -> int:
    pattern = re.compile(rf"^{re.escape(key)}\s*:", re.M)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def check_config_urls(config: LessonConfig, text: str, rel: str, report: Report,
                      keys: dict[str, str] | None = None) -> None:
    """Check (and empty when wrong) the URL fields of ``config``; ``keys`` maps a field to the
    key the configuration file spells it with (``{"contact": "email"}`` for styles lessons)."""
    keys = {"source": "source", "url": "url", "contact": "contact", **(keys or {})}
    for field, key in keys.items():
        value = getattr(config, field, "")
        if not value:
            continue
        problem = url_problem(value, email_ok=field == "contact")
        if problem is None:
            continue
        message, dangerous = problem
        (report.error if dangerous else report.warning)(
            rel, _line_of(text, key), "config-url",
            f"'{key}' {message}, so it is not used as a link: {value[:80]!r}",
            f"Write a full web address, e.g. '{key}: https://github.com/you/lesson'"
            + (" or an e-mail address" if field == "contact" else "") + ".",
        )
        setattr(config, field, "")
    for key in EXTRA_KEYS:  # http(s) only: the feedback widget posts there; the licence is a link
        value = config.extra.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        problem = url_problem(value)
        if problem is None and not value.strip().lower().startswith(("http://", "https://")):
            problem = ("is not an http(s) address", True)
        if problem is not None:
            report.error(rel, _line_of(text, key), "config-url",
                         f"'{key}' {problem[0]}, so it is not used: {value[:80]!r}",
                         f"Write a full web address, e.g. '{key}: https://example.org/...'.")
            config.extra.pop(key, None)
