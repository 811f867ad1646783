"""The Contributors, Image credits and Cite this lesson pages."""

from __future__ import annotations


def cite_page(credit) -> str:
    return ""
