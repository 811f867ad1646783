"""Helpers for browser tests."""

from __future__ import annotations

from pathlib import Path

from lessonkit.serve import Server


def serve(folder: Path) -> Server:
    """Serve a built site on a free localhost port (stop it with ``.stop()``)."""
    return Server(folder, "127.0.0.1", 0).start()
