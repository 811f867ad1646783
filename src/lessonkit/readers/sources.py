"""Reading source files safely: encodings, BOMs, line endings, unreadable files,
files outside the lesson and files too large to be lesson text.

Every reader reads a lesson's text files through :func:`read_bytes` (or
:func:`read_text`), called as ``read_bytes(root / rel, rel, report)``.  That one
function refuses

* a file whose real path (after every symbolic link) is outside the lesson root
  (``path-outside-lesson``, see :mod:`lessonkit.readers.paths`), and
* a file larger than :data:`MAX_SOURCE_BYTES` (``file-too-large``), checked with
  ``fstat`` before anything is read, so a 200 MB episode costs no memory.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.readers.paths import check_inside, root_of

#: The largest source file (episode, page, config, child document) lessonkit reads: 4 MiB,
#: about seventy times the largest episode of the Carpentries corpus. ``LESSONKIT_MAX_SOURCE_BYTES``
#: raises or lowers it.
MAX_SOURCE_BYTES = 4 * 1024 * 1024


def max_source_bytes() -> int:
    try:
        return max(1, int(os.environ.get("LESSONKIT_MAX_SOURCE_BYTES", MAX_SOURCE_BYTES)))
    except ValueError:
        return MAX_SOURCE_BYTES


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_text(path: Path, rel: str, report: Report, root: Path | None = None) -> tuple[str, str] | None:
    """Read a text file as UTF-8 with Unix line endings; returns (text, digest).

    Returns None (with an error reported) when the file cannot be read.  Invalid
    UTF-8 is reported with its position and replaced, so the rest of the file is
    still checked and built.
    """
    data = read_bytes(path, rel, report, root)
    if data is None:
        return None
    return decode(data, rel, report), digest(data)


def read_bytes(path: Path, rel: str, report: Report, root: Path | None = None) -> bytes | None:
    """The bytes of a lesson file, or None with an error reported (unreadable, a folder, outside
    the lesson, too large). ``root`` is the lesson root; by default worked out from ``path``
    being ``root / rel``."""
    root = root if root is not None else root_of(path, rel)
    if root is not None and check_inside(root, path, rel, report) is None:
        return None
    limit = max_source_bytes()
    try:
        # O_NONBLOCK: a named pipe must not hang the build; it is refused below as not a file.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with open(descriptor, "rb", closefd=True) as handle:
            status = os.fstat(handle.fileno())
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError(path)
            if not stat.S_ISREG(status.st_mode):
                report.error(rel, 0, "file-unreadable", f"{rel} is not a regular file",
                             "Replace it by a text file, or remove it.")
                return None
            size = status.st_size
            if size > limit:
                report.error(
                    rel, 0, "file-too-large",
                    f"{rel} is {size / 2**20:.1f} MiB; lessonkit reads source files of at most "
                    f"{limit / 2**20:g} MiB",
                    "Split the page into several episodes, or move data into a file under data/ "
                    "(set LESSONKIT_MAX_SOURCE_BYTES to raise the limit).",
                )
                return None
            data = handle.read(limit + 1)
            if len(data) > limit:  # grew while being read, or a special file that reports no size
                report.error(rel, 0, "file-too-large",
                             f"{rel} is larger than {limit / 2**20:g} MiB, the most lessonkit reads",
                             "Split the page, or set LESSONKIT_MAX_SOURCE_BYTES to raise the limit.")
                return None
            return data
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
