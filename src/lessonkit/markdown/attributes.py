"""Pandoc-style attribute lists: ``{.class #id key=value key2="quoted value"}``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<cls>\.[^\s{}"'=#.]+)
      | (?P<id>\#[^\s{}"'=#]+)
      | (?P<key>[A-Za-z_:][\w:.-]*)\s*=\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>[^\s{}"']+))
      | (?P<word>[^\s{}"'=]+)
    )""",
    re.VERBOSE,
)


@dataclass
class Attributes:
    classes: list[str] = field(default_factory=list)
    id: str | None = None
    pairs: dict[str, str] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)  # pieces that could not be understood


def parse_attributes(text: str) -> Attributes:
    """Parse the inside of ``{...}`` (braces optional). Never raises."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    attrs = Attributes()
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:].strip()
            if rest:
                attrs.invalid.append(rest)
            break
        pos = m.end()
        if m.group("cls"):
            attrs.classes.append(m.group("cls")[1:])
        elif m.group("id"):
            attrs.id = m.group("id")[1:]
        elif m.group("key"):
            quoted = m.group("dq") if m.group("dq") is not None else m.group("sq")
            if quoted is not None:
                value = re.sub(r"\\(.)", r"\1", quoted)
            else:
                value = m.group("bare")
            attrs.pairs[m.group("key")] = value
        elif m.group("word"):
            attrs.invalid.append(m.group("word"))
    return attrs


def split_trailing_attributes(text: str) -> tuple[str, Attributes | None]:
    """Split ``Heading text {#id .class}`` into the text and its attributes.

    String methods, not a regex searched from every position: that was quadratic in a
    heading's runs of spaces (a hostile lesson, issue #11)."""
    stripped = text.rstrip()
    opening = stripped.rfind("{") if stripped.endswith("}") else -1
    if opening == -1 or "}" in stripped[opening + 1:-1]:
        return text, None
    inner = stripped[opening + 1:-1].strip()
    # Only treat it as attributes when it looks like them (not "{x}" in maths or code).
    if not inner or not re.match(r"^[.#]|^[A-Za-z_][\w-]*\s*=", inner):
        return text, None
    attrs = parse_attributes(inner)
    if attrs.invalid:
        return text, None
    return text[:opening].rstrip(), attrs
