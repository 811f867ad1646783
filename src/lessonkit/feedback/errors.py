"""The one exception a handler raises to refuse a request (answered as a 4xx/503 with a message)."""

from __future__ import annotations


class ClientError(Exception):
    """A request the service refuses, with its status and a message for the person who sent it."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        message = _printable(message)
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = {_printable(k): _printable(v) for k, v in (fields or {}).items()}
        self.headers = headers or {}


def _printable(text: str) -> str:
    """Messages may quote what was sent: make sure they can always be encoded in an answer."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
