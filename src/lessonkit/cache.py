"""The lesson's build cache folder (rendered pages, execution results), and the one
way every cache file is read and written.

The folder is ``<lesson>/.lessonkit/`` when the lesson folder is writable, and
``$XDG_CACHE_HOME/lessonkit/<hash of the lesson path>/`` otherwise (for example
for a read-only checkout).  Everything in it can be deleted at any time: the
next build recreates what it needs.

A cache folder inside a lesson is untrusted (a pull request can commit one), so
cache files are plain data: msgpack with a header naming the cache's kind and
the signature of the code that wrote it (:func:`save_data`). :func:`load_data`
returns None for a missing file, another kind, another signature or anything
that does not decode, and the caller rebuilds; objects are rebuilt from the
data only through :mod:`lessonkit.codec`'s allow-list. Nothing is unpickled.
Plain data still cannot be trusted to be *true* (a committed check cache could say a page has no
problems; a committed rendered page could hold HTML its Markdown does not), so every file carries a
keyed hash with this user's key, kept outside the lesson (:func:`cache_key`): files from anywhere
else are ignored.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import stat
from pathlib import Path
from typing import Any

CACHE_DIR_NAME = ".lessonkit"


def cache_dir(lesson_root: Path, override: Path | None = None) -> Path:
    if override is not None:
        override.mkdir(parents=True, exist_ok=True)
        return override
    local = lesson_root / CACHE_DIR_NAME
    try:
        # A folder without write permission is read-only even for root, who could write anyway.
        if not local.is_dir() and not (lesson_root.stat().st_mode & stat.S_IWUSR):
            raise PermissionError(lesson_root)
        if _links_out(local):
            raise PermissionError(local)
        local.mkdir(exist_ok=True)
        probe = local / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
        return local
    except OSError:
        pass
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lessonkit"
    key = hashlib.blake2b(str(lesson_root.resolve()).encode(), digest_size=8).hexdigest()
    folder = base / f"{lesson_root.name}-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _links_out(local: Path) -> bool:
    """Whether the lesson's cache folder is, or holds, a symbolic link. A lesson can commit one
    (``.lessonkit -> ~/somewhere``, ``.lessonkit/records -> /somewhere``): the build would then write, and
    prune, cache files outside the lesson, so such a folder is not used (the user's cache folder is).
    lessonkit's cache folders are one level deep and never hold links."""
    if local.is_symlink():
        return True
    try:
        with os.scandir(local) as entries:
            return any(entry.is_symlink() for entry in entries)
    except (FileNotFoundError, NotADirectoryError):
        return False


HEADER = "lessonkit-cache"
#: Bumped when the file layout itself changes (each cache's own signature covers its contents).
LAYOUT = 2
MAGIC = b"lkcache2"
MAC_SIZE = 16


def load_data(path: Path, kind: str, signature: str) -> Any | None:
    """The data a :func:`save_data` call wrote for ``kind`` and ``signature``, or None.

    A cache file is trusted only when it carries this user's key (a keyed hash kept outside the
    lesson, ``cache_key``): a cache folder committed to a lesson, or written on another machine, is
    plain data but could still claim that a page has no problems or hold HTML its source does not,
    so it is ignored and rebuilt."""
    import msgpack

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    payload = opened(raw)
    if payload is None:
        return None
    try:
        value = msgpack.unpackb(payload, raw=False, strict_map_key=True, use_list=True)
    except (ValueError, TypeError, msgpack.UnpackException, msgpack.ExtraData, RecursionError):
        return None
    if (not isinstance(value, dict) or value.get(HEADER) != kind or value.get("layout") != LAYOUT
            or value.get("signature") != signature):
        return None
    return value.get("data")


def save_data(path: Path, kind: str, signature: str, data: Any) -> bool:
    """Write a cache file atomically; a cache that cannot be written only makes the next build slower
    (False then)."""
    import msgpack

    try:
        packed = msgpack.packb({HEADER: kind, "layout": LAYOUT, "signature": signature, "data": data},
                               use_bin_type=True)
    except (TypeError, ValueError):
        return False
    return write_sealed(path, packed)


def sealed(payload: bytes) -> bytes:
    """``payload`` behind this user's keyed hash (what every cache file holds)."""
    return MAGIC + _mac(payload) + payload


def opened(raw: bytes) -> bytes | None:
    """The payload of a :func:`sealed` file, or None when it was not sealed with this user's key."""
    if raw[:len(MAGIC)] != MAGIC:
        return None
    mac, payload = raw[len(MAGIC):len(MAGIC) + MAC_SIZE], raw[len(MAGIC) + MAC_SIZE:]
    return payload if hmac.compare_digest(mac, _mac(payload)) else None


def write_sealed(path: Path, payload: bytes) -> bool:
    """Write a sealed file atomically; a cache that cannot be written only makes the next build slower
    (False then)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        # Never through a link a lesson committed under this name: a new file or nothing.
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(sealed(payload))
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    return True


def user_cache(name: str) -> Path | None:
    """A folder of this user's cache (``$XDG_CACHE_HOME/lessonkit/<name>``, mode 0700), or None when it
    cannot be had or is not this user's alone."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lessonkit" / name
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return folder


def _mac(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, key=cache_key(), digest_size=MAC_SIZE).digest()


@functools.cache
def cache_key() -> bytes:
    """This user's cache key: 32 random bytes in ``$XDG_CONFIG_HOME/lessonkit/cache-key`` (mode 0600),
    made on first use. Where it cannot be kept, a key for this process only (caches then last one run)."""
    folder = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "lessonkit"
    path = folder / "cache-key"
    try:
        st = path.lstat()
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077:
            key = path.read_bytes()
            if len(key) == 32:
                return key
    except OSError:
        pass
    key = os.urandom(32)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = folder / f".cache-key.{os.getpid()}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        os.replace(temporary, path)
    except OSError:
        pass
    return key
