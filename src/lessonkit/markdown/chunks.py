"""R Markdown / knitr code chunk headers and options.

``{r label, echo=FALSE, fig.alt="A plot"}`` and ``{python}`` headers, plus the
Quarto-style ``#| key: value`` option lines at the top of a chunk.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from lessonkit.markdown.frontmatter import safe_yaml

# ```{r ...}  ```{python ...}  ```{bash} - an engine name right after the brace.
CHUNK_HEADER = re.compile(r"^\{\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:[ ,](.*))?\}\s*$", re.S)

#: Marker on a plain fence that asks lessonkit to execute it: ```python {exec}
EXEC_MARKER = re.compile(r"^([A-Za-z][A-Za-z0-9_+-]*)\s+\{\s*exec\b(.*)\}\s*$")

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def split_options(text: str) -> list[str]:
    """Split on commas that are not inside quotes or brackets."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    escaped = False
    for ch in text:
        if quote:
            current.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    tail = "".join(current).strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p]


def r_value(text: str) -> Any:
    """Interpret an R literal as knitr would for the options lessonkit understands."""
    text = text.strip()
    if text in ("TRUE", "T", "True", "true"):  # R, and Python / YAML spellings in Python chunks
        return True
    if text in ("FALSE", "F", "False", "false"):
        return False
    if text in ("NULL", "NA", "None"):
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if _NUMBER.match(text):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return text  # an R expression we do not evaluate (kept verbatim)


def parse_chunk_header(info: str) -> tuple[str, str | None, dict[str, Any], list[str]] | None:
    """Parse ``{engine label, opt=value}``; returns engine, label, options, problems."""
    m = CHUNK_HEADER.match(info.strip())
    if not m:
        return None
    engine = m.group(1).lower()
    rest = (m.group(2) or "").strip()
    label: str | None = None
    options: dict[str, Any] = {}
    problems: list[str] = []
    for index, part in enumerate(split_options(rest)):
        if "=" in part:
            key, _, value = part.partition("=")
            key = key.strip()
            if not re.match(r"^[A-Za-z_.][\w.]*$", key):
                problems.append(f"cannot read chunk option {part!r}")
                continue
            options[key] = r_value(value)
        elif index == 0:
            label = part.strip().strip("'\"")
        else:
            problems.append(f"chunk option {part!r} has no value (write name=value)")
    if "label" in options and label is None:
        label = str(options.pop("label"))
    return engine, label, options, problems


def parse_exec_marker(info: str) -> tuple[str, str | None, dict[str, Any], list[str]] | None:
    """Parse ```` ```python {exec label, opt=value} ```` (lessonkit's marker for plain fences)."""
    m = EXEC_MARKER.match(info.strip())
    if not m:
        return None
    parsed = parse_chunk_header("{" + m.group(1) + (" " + m.group(2).lstrip(" ,") if m.group(2).strip() else "") + "}")
    return parsed


def split_hash_pipe_options(code: str) -> tuple[dict[str, Any], str, list[str]]:
    """Take Quarto-style ``#| key: value`` lines from the top of a chunk."""
    lines = code.split("\n")
    taken: list[str] = []
    while lines and lines[0].startswith("#|"):
        taken.append(lines.pop(0)[2:])
    if not taken:
        return {}, code, []
    try:
        data = safe_yaml("\n".join(taken))  # refuses alias bombs
    except (yaml.YAMLError, RecursionError) as exc:
        return {}, "\n".join(lines), [f"cannot read '#|' chunk options: {str(exc).splitlines()[0]}"]
    if not isinstance(data, dict):
        return {}, "\n".join(lines), ["'#|' chunk options must be 'key: value' lines"]
    # Quarto spells fig.alt as fig-alt; accept both.
    options = {str(k).replace("-", "."): v for k, v in data.items()}
    return options, "\n".join(lines), []
