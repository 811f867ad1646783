"""Reading source files safely: encodings, BOMs, line endings, unreadable files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from lessonkit.diagnostics import Report


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_text(path: Path, rel: str, report: Report) -> tuple[str, str] | None:
    """Read a text file as UTF-8 with Unix line endings; returns (text, digest).

    Returns None (with an error reported) when the file cannot be read.  Invalid
    UTF-8 is reported with its position and replaced, so the rest of the file is
    still checked and built.
    """
    data = read_bytes(path, rel, report)
    if data is None:
        return None
    return decode(data, rel, report), digest(data)


def read_bytes(path: Path, rel: str, report: Report) -> bytes | None:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        report.error(rel, 0, "file-unreadable", f"{rel} is a folder, not a file", "Point to a Markdown file.")
        return None
    except OSError as exc:
        report.error(
            rel, 0, "file-unreadable", f"cannot read {rel}: {exc.strerror or exc}",
            "Check that the file exists and that you have permission to read it.",
        )
        return None


def decode(data: bytes, rel: str, report: Report) -> str:
    """UTF-8 text with Unix line endings; problems reported with their line and column."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        report.error(
            rel, line, "encoding",
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} cannot be decoded)",
            "Save the file with UTF-8 encoding; the undecodable bytes were replaced by '\ufffd'.",
            column=column,
        )
        text = data.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        report.error(rel, line, "encoding", "the file contains NUL bytes (is it a binary file?)",
                     "Remove the binary content or the file.")
        text = text.replace("\x00", "\ufffd")
    return text
