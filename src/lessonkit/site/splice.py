"""Outputs that join one part per page (the all-in-one page, the search index), updated in place.

Such a file is a head, the pages' parts in lesson order (with a separator between
non-empty parts) and a tail.  Its *layout* — where each page's part lies in the
file, by the page's record key — is kept with the build state.  The next build
writes the new file from the previous one: the parts of unchanged pages are
copied from the old file by the kernel (``os.copy_file_range``, whole runs at a
time), only the parts of pages rendered again are written, so an edit to one
episode of a thousand neither loads nor re-joins the other 999 parts.

When the previous file is not the one the layout describes (another output,
edited by hand, a different size), every part is taken from its page again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Piece = bytes | tuple[int, int]  # literal bytes, or (offset, length) in the previous file


@dataclass
class Layout:
    size: int  # of the whole file
    parts: dict[str, tuple[int, int]]  # record key -> (offset, length); length 0: the page has no part

    def encode(self) -> dict:
        return {"size": self.size, "parts": [[key, off, length] for key, (off, length) in self.parts.items()]}

    @classmethod
    def decode(cls, data: object) -> Layout | None:
        try:
            return cls(int(data["size"]), {str(k): (int(o), int(n)) for k, o, n in data["parts"]})
        except (TypeError, KeyError, ValueError):
            return None


def assemble(head: bytes, tail: bytes, items: Iterable[tuple[str, Callable[[], bytes]]], old: Layout | None,
             sep: bytes = b"") -> tuple[list[Piece], Layout]:
    """The pieces of the new file and its layout; ``items`` are (record key, make the part) in order,
    and ``make`` is called only for a page whose part is not in the previous file."""
    known = old.parts if old is not None else {}
    pieces: list = [head]
    parts: dict[str, tuple[int, int]] = {}
    position = len(head)
    first = True
    for key, make in items:
        span = known.get(key)
        data = make() if span is None else None
        length = len(data) if data is not None else span[1]
        if length == 0:
            parts[key] = (position, 0)
            continue
        if not first and sep:
            pieces.append(_SEP)
            position += len(sep)
        first = False
        pieces.append(data if data is not None else span)
        parts[key] = (position, length)
        position += length
    pieces.append(tail)
    return _runs(pieces, sep), Layout(position + len(tail), parts)


_SEP = object()  # a separator, until the runs are merged


def _runs(pieces: list, sep: bytes) -> list[Piece]:
    """Merge spans that lie one after the other in the previous file (with the separator between them:
    two parts a separator apart there were neighbours, with that same separator between them)."""
    merged: list = []
    for piece in pieces:
        if isinstance(piece, tuple) and merged:
            last = merged[-1]
            if isinstance(last, tuple) and last[0] + last[1] == piece[0]:
                merged[-1] = (last[0], last[1] + piece[1])
                continue
            if last is _SEP and len(merged) > 1 and isinstance(merged[-2], tuple):
                before = merged[-2]
                if before[0] + before[1] + len(sep) == piece[0]:
                    merged.pop()
                    merged[-1] = (before[0], before[1] + len(sep) + piece[1])
                    continue
        merged.append(piece)
    return [sep if piece is _SEP else piece for piece in merged]
