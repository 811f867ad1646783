"""The one input layer: every request body, query and path parameter is read here.

Handlers never look at raw request data. They get

* JSON bodies from ``read_json`` (size-limited, UTF-8 only, nesting at most
  ``MAX_JSON_DEPTH`` deep, no lone surrogates in any key or value: 400 otherwise);
* form bodies from ``read_form`` and query strings from ``read_query``, with
  every name and value cleaned of control characters (NUL included);
* path parameters through the typed convertors registered here (``{item:id}``,
  ``{slug:qid}``, ``{token:token}``): a value of the wrong shape matches no
  route, so it is a 404, never a database error;

and check each field with the validators below: ``text`` (a string, cleaned,
length-limited), ``identifier`` and ``anchor`` (names as names), ``integer``
(ASCII digits only: ``"²".isdigit()`` is true but ``int("²")`` fails),
``number``, ``choice``. A refusal is a ``ClientError`` (4xx) with a message and,
for a field, the field's name; no input reaches the database unchecked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

from lessonkit.feedback.errors import ClientError

MAX_JSON_DEPTH = 4
MAX_FORM_FIELDS = 200
QUERY_VALUE_MAX = 200

# C0 controls but tab and newline, DEL, C1 controls, and lone surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_INTEGER = re.compile(r"-?[0-9]{1,15}\Z")
_NUMBER = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?\Z")
IDENTIFIER = re.compile(r"^\w[\w.-]{0,199}\Z")  # letters (any script), digits, _ . -
ANCHOR = re.compile(r"^\w[\w.:-]{0,199}\Z")  # an HTML id as lessonkit and pandoc make them
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}\Z")


def strip_controls(value: str, multiline: bool = True) -> str:
    """``value`` without control characters; line ends made ``\\n`` (or, single-line, spaces)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    if not multiline:
        value = " ".join(value.split())
    return value


# --- bodies --------------------------------------------------------------------------------------

def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) one larger than ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not re.fullmatch(r"[0-9]{1,18}", declared.strip()):
            raise ClientError(400, "Bad Content-Length header.")
        if int(declared) > limit:
            raise ClientError(413, f"The request is too large (at most {limit} bytes).")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ClientError(413, f"The request is too large (at most {limit} bytes).")
        chunks.append(chunk)
    return b"".join(chunks)


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped), in linear time."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match[0] in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            raise ClientError(400, "The request contains text that is not valid Unicode (a lone surrogate).")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key)
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def parse_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A JSON document from a request body; 400 with a message for anything that is not plain JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClientError(400, "The request body is not valid UTF-8.") from exc
    if json_depth(text) > max_depth:
        raise ClientError(400, f"The JSON nests too deeply (at most {max_depth} levels).")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ClientError(400, "The request body is not valid JSON.") from exc
    _check_strings(data)
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


async def read_json(request: Request, limit: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    if _content_type(request) != "application/json":
        raise ClientError(415, "Send this as JSON (Content-Type: application/json).")
    return parse_json(await read_body(request, limit), max_depth)


def parse_form(body: bytes, max_fields: int = MAX_FORM_FIELDS) -> dict[str, list[str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClientError(400, "The form is not valid UTF-8.") from exc
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=max_fields)
    except ValueError as exc:
        raise ClientError(413, f"The form has too many fields (at most {max_fields}).") from exc
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(strip_controls(name, multiline=False), []).append(strip_controls(value))
    return form


async def read_form(request: Request, limit: int, max_fields: int = MAX_FORM_FIELDS) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body, size-limited and cleaned, as name -> values."""
    if _content_type(request) != "application/x-www-form-urlencoded":
        raise ClientError(415, "Send this form as application/x-www-form-urlencoded.")
    return parse_form(await read_body(request, limit), max_fields)


def read_query(request: Request) -> dict[str, str]:
    """The query string's parameters (the first value of each), cleaned and length-limited (400)."""
    out: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        name = strip_controls(name, multiline=False)
        if name in out:
            continue
        value = strip_controls(value, multiline=False)
        if len(value) > QUERY_VALUE_MAX:
            raise ClientError(400, f"The {name[:40]} parameter is too long (at most {QUERY_VALUE_MAX}).")
        out[name] = value
    return out


def first(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name)
    return values[0] if values else ""


# --- fields --------------------------------------------------------------------------------------

def _refuse(field: str, message: str, short: str, status: int = 422) -> ClientError:
    return ClientError(status, message, {field: short})


def text(value: object, field: str, max_length: int, *, required: bool = False, multiline: bool = False) -> str:
    """User text: a string, without control characters, within its length limit."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _refuse(field, f"{field} must be text.", "must be text")
    value = strip_controls(value, multiline).strip()
    if required and not value:
        raise _refuse(field, f"{field} is required.", "required")
    if len(value) > max_length:
        raise _refuse(field, f"{field} is too long ({len(value)} characters; at most {max_length}).",
                      f"at most {max_length} characters")
    return value


def identifier(value: object, field: str, status: int = 422) -> str:
    """A lesson or page name: letters (any script), digits, ``_ . -``; no spaces; at most 200."""
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise _refuse(field, f"{field} must be a page or lesson name (letters, digits, . _ -; no spaces).",
                      "letters, digits, . _ -", status)
    return value


def anchor(value: object, field: str, status: int = 422) -> str:
    """A section's id on its page ("" for the whole page): letters, digits, ``_ . : -``."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not ANCHOR.match(value):
        raise _refuse(field, f"{field} must be a section id (letters, digits, . _ : -; no spaces).",
                      "letters, digits, . _ : -", status)
    return value


def client_id(value: object) -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise _refuse("client_id", "client_id must be 8 to 64 letters, digits, '-' or '_'.",
                      "8 to 64 letters, digits, - or _")
    return value


def integer(value: object, field: str, low: int, high: int, *, status: int = 422,
            message: str | None = None) -> int:
    """A whole number from ``low`` to ``high``: a JSON integer, or ASCII digits in text."""
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _refuse(field, message or f"{field} must be a whole number from {low} to {high}.",
                      f"{low} to {high}", status)
    return value


def optional_integer(value: object, field: str, low: int, high: int, **kwargs: Any) -> int | None:
    if value is None or value == "":
        return None
    return integer(value, field, low, high, **kwargs)


def number(value: str) -> int | float | None:
    """A decimal number written in ASCII (``-12``, ``3.5``), or None."""
    value = value.strip()
    if not _NUMBER.match(value):
        return None
    parsed = float(value)
    return int(parsed) if parsed.is_integer() else parsed


def choice(value: object, field: str, choices: Iterable[str], *, required: bool = False,
           status: int = 422, message: str | None = None) -> str | None:
    """One of ``choices`` (None when empty and not required)."""
    options = list(choices)
    if value is None or value == "":
        if required:
            raise _refuse(field, message or f"Choose a {field}.", "required", status)
        return None
    if not isinstance(value, str) or value not in options:
        raise _refuse(field, f"{field} must be one of: {', '.join(options)}.", f"unknown {field}", status)
    return value


def known_fields(data: Mapping[str, Any], known: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        raise ClientError(422, f"Unknown field(s): {shown}.")


# --- path parameters -----------------------------------------------------------------------------

class IdConvertor(Convertor):
    """A database row id in a path: 1 to 9 ASCII digits (fits every database's integer)."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(int(value))


class QuestionnaireIdConvertor(Convertor):
    regex = "[a-z0-9][a-z0-9_-]{0,63}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class TokenConvertor(Convertor):
    """An invitation token as ``secrets.token_urlsafe`` makes them."""

    regex = "[A-Za-z0-9_-]{1,128}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class FormatConvertor(Convertor):
    regex = "csv|json|md"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class WorkshopSlugConvertor(Convertor):
    """A workshop's slug as workshop files allow them (lower-case letters, digits and '-')."""

    regex = "[a-z0-9][a-z0-9-]{0,79}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class SignInCodeConvertor(Convertor):
    """A session's sign-in code as typed from the screen (case and dashes do not matter)."""

    regex = "[A-Za-z0-9-]{1,32}"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


CONVERTORS = {"id": IdConvertor(), "qid": QuestionnaireIdConvertor(), "token": TokenConvertor(),
              "fmt": FormatConvertor(), "wslug": WorkshopSlugConvertor(), "code": SignInCodeConvertor()}
for _name, _convertor in CONVERTORS.items():
    register_url_convertor(_name, _convertor)
