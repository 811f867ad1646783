"""The rules of ``lessonkit check``, one module per subject. Importing this package registers them."""

from lessonkit.checks.rules import (  # noqa: F401
    accessibility,
    blocks,
    citations,
    config,
    files,
    front_matter,
    headings,
    images,
    language,
    links,
    schedules,
)
