"""Model objects as plain data, and back, by an allow-list of types.

Caches hold lesson models, rendered pages and diagnostics. They are written as
plain data (see :mod:`lessonkit.cache`): a dataclass becomes a mapping with a
type tag and its field values in order, and decoding builds only the types it
is given. Nothing in a cache file can name a function, a module or any type
outside that list, so a cache committed to a lesson by a pull request can at
worst be wrong (and then it is rejected and rebuilt), never run code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

TAG = "\x00t"  # the key that marks an encoded object (a lesson's own mappings are escaped)
FIELDS = "f"


class DecodeError(ValueError):
    """The data is not an encoding of allowed types (a corrupt or hostile cache)."""


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The fields that are data (a leading underscore marks run-time state such as a loader)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_"))


def encode(value: Any) -> Any:
    """``value`` as msgpack-able plain data (dicts, lists, str, int, float, bool, None, bytes)."""
    if value is None or isinstance(value, str | bool | int | float | bytes):
        if isinstance(value, Enum):
            return {TAG: type(value).__name__, FIELDS: value.value}
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(type(k) is str for k in value) and TAG not in value:
            return {k: encode(v) for k, v in value.items()}
        return {TAG: "dict", FIELDS: [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return {TAG: "tuple", FIELDS: [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {TAG: type(value).__name__, FIELDS: [encode(v) for v in value]}
    if isinstance(value, PurePosixPath | Path):
        return {TAG: "Path", FIELDS: str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {TAG: type(value).__name__, FIELDS: [encode(getattr(value, n)) for n in _field_names(type(value))]}
    if isinstance(value, tuple):  # a NamedTuple
        return {TAG: type(value).__name__, FIELDS: [encode(v) for v in value]}
    raise TypeError(f"cannot encode {type(value).__name__} for a cache")


def types(*classes: type) -> dict[str, type]:
    """An allow-list for :func:`decode`: the lesson model's types plus ``classes``."""
    allowed = dict(_model_types())
    for cls in classes:
        if allowed.get(cls.__name__, cls) is not cls:
            raise ValueError(f"two allowed types are called {cls.__name__}")
        allowed[cls.__name__] = cls
    return allowed


@cache
def _model_types() -> tuple[tuple[str, type], ...]:
    from lessonkit import model
    from lessonkit.diagnostics import Diagnostic, Severity

    classes: Iterable[type] = (model.Markdown, model.Block, model.CodeChunk, model.Output, model.Page,
                               model.LessonConfig, model.Citation, model.Asset, Diagnostic, Severity)
    return tuple((cls.__name__, cls) for cls in classes)


_BUILTINS: dict[str, Any] = {"tuple": tuple, "set": set, "frozenset": frozenset}


def decode(data: Any, allowed: Mapping[str, type] | None = None) -> Any:
    """The value :func:`encode` made, building only ``allowed`` types; DecodeError otherwise."""
    allowed = types() if allowed is None else allowed
    try:
        return _decode(data, allowed, 0)
    except DecodeError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        raise DecodeError(f"not a cache of lessonkit objects: {exc}") from None


MAX_DEPTH = 400


def _decode(data: Any, allowed: Mapping[str, type], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise DecodeError("nested too deeply")
    if isinstance(data, list):
        return [_decode(v, allowed, depth + 1) for v in data]
    if not isinstance(data, dict):
        if data is None or isinstance(data, str | bool | int | float | bytes):
            return data
        raise DecodeError(f"unexpected {type(data).__name__}")
    tag = data.get(TAG)
    if tag is None:
        return {k: _decode(v, allowed, depth + 1) for k, v in data.items()}
    fields = data.get(FIELDS)
    if tag == "dict":
        return {_decode(k, allowed, depth + 1): _decode(v, allowed, depth + 1) for k, v in fields}
    if tag in _BUILTINS:
        return _BUILTINS[tag](_decode(v, allowed, depth + 1) for v in fields)
    if tag == "Path":
        if not isinstance(fields, str):
            raise DecodeError("bad path")
        return Path(fields)
    cls = allowed.get(tag)
    if cls is None:
        raise DecodeError(f"type {tag!r} is not allowed in a cache")
    if isinstance(cls, type) and issubclass(cls, Enum):
        return cls(fields)
    if not isinstance(fields, list):
        raise DecodeError(f"bad fields for {tag}")
    values = [_decode(v, allowed, depth + 1) for v in fields]
    if dataclasses.is_dataclass(cls):
        names = _field_names(cls)
        if len(values) != len(names):
            raise DecodeError(f"{tag} has {len(names)} fields, the cache {len(values)}")
        return cls(**dict(zip(names, values, strict=True)))
    return cls(*values)  # a NamedTuple
