"""Outputs rendered by sandpaper, shown when R is not installed (placeholder: filled in below)."""

from __future__ import annotations


def load(lesson, folder, diagnostics):
    return None


def apply(page, rendered, diagnostics) -> bool:
    return False
