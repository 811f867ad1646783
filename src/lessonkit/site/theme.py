"""The theme: Jinja templates (the package's, overridable per lesson) and the stylesheet.

A lesson (or an institute sharing one folder between its lessons) overrides any
template by name with ``theme: path/to/folder`` in config.yaml: a file
``<folder>/templates/blocks/callout.html`` replaces the package's
``templates/blocks/callout.html``; ``<folder>/theme.css``, when present, is appended to
the stylesheet.  See docs/theming.md.
"""

from __future__ import annotations

import hashlib
import marshal
import re
import sys
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.sandbox import SandboxedEnvironment

from lessonkit.cache import opened, user_cache, write_sealed


def theme_folder(root: Path, value: object) -> Path | None:
    """The theme folder named by config.yaml's ``theme:`` (relative to the lesson), if it exists."""
    if not isinstance(value, str) or not value.strip():
        return None
    folder = (root / value.strip()).resolve()
    return folder if folder.is_dir() else None


class ThemeError(Exception):
    """A theme template that does not compile, fails while rendering, or reaches for what the sandbox
    refuses; ``path`` and ``line`` say where (the template's file). Picklable (pages render in workers)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(path, line, message)
        self.path, self.line, self.message = path, line, message


class _ThemeEnvironment(SandboxedEnvironment):
    """Templates of a theme folder are part of a lesson, and a pull request can change them: they run in
    Jinja's sandbox (no attribute starting with ``_``, no function internals, no unsafe calls), so a
    template can write any HTML but never run code. Any template error becomes a :class:`ThemeError`."""

    def __init__(self, folder: str, **options) -> None:
        super().__init__(**options)
        self.folder = str(Path(folder).resolve())

    def handle_exception(self, source: str | None = None):
        try:
            super().handle_exception(source)
        except jinja2.TemplateError as exc:
            path, line = self._where(exc)
            raise ThemeError(path, line, exc.message or type(exc).__name__) from None

    def _where(self, exc: jinja2.TemplateError) -> tuple[str, int]:
        if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
            return exc.filename, exc.lineno
        found = (self.folder, 0)
        trace = exc.__traceback__
        while trace is not None:  # the rewritten traceback's frames are the templates' own lines
            name = trace.tb_frame.f_code.co_filename
            if name.startswith(self.folder) or name.endswith(".html"):
                found = (name, trace.tb_lineno)
            trace = trace.tb_next
        return found


@lru_cache(maxsize=8)
def environment(theme: str = "") -> Environment:
    loaders = []
    themed = bool(theme) and (Path(theme) / "templates").is_dir()
    if themed:
        loaders.append(FileSystemLoader(str(Path(theme) / "templates")))
    loaders.append(PackageLoader("lessonkit.site", "templates"))
    options = {"loader": ChoiceLoader(loaders), "autoescape": select_autoescape(["html"]), "trim_blocks": True,
               "lstrip_blocks": True, "auto_reload": False}
    if themed:  # sandboxed code is compiled differently: its own cache folder
        return _ThemeEnvironment(theme, bytecode_cache=TemplateCode.for_this_python("sandboxed"), **options)
    return Environment(bytecode_cache=TemplateCode.for_this_python(), **options)


class TemplateCode(BytecodeCache):
    """Compiled templates kept between processes: compiling the templates costs a new ``lessonkit build``
    process about a quarter of a second, more than the rest of a one-page rebuild.

    Kept in this user's cache (never the lesson's), one file per template: its source checksum and its
    code (marshal) sealed with this user's keyed hash (``lessonkit.cache``), so a file from anywhere else is
    ignored and the template compiled again. Jinja's own file cache is not used: it unpickles."""

    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def for_this_python(cls, kind: str = "") -> TemplateCode | None:
        folder = user_cache(f"templates/{sys.implementation.cache_tag}-jinja{jinja2.__version__}"
                            + (f"-{kind}" if kind else ""))
        return cls(folder) if folder is not None else None

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.code"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            payload = opened(self._path(bucket).read_bytes())
        except OSError:
            return
        if payload is None or len(payload) < 2:
            return
        size = int.from_bytes(payload[:2], "big")
        if payload[2:2 + size].decode("ascii", "replace") != bucket.checksum:
            return  # the template changed
        try:
            bucket.code = marshal.loads(payload[2 + size:])
        except (EOFError, ValueError, TypeError):
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is None:
            return
        checksum = bucket.checksum.encode("ascii")
        write_sealed(self._path(bucket), len(checksum).to_bytes(2, "big") + checksum + marshal.dumps(bucket.code))


@lru_cache(maxsize=8)
def theme_signature(theme: str = "") -> str:
    """Changes when a theme folder's templates or stylesheet change."""
    if not theme:
        return ""
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(Path(theme).rglob("*")):
        if path.is_file() and path.suffix in (".html", ".css"):
            digest.update(str(path.relative_to(theme)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


_DARK = "@media (prefers-color-scheme: dark)"
_RULE = re.compile(r"^(\s*)([^{}@\n][^{}\n]*?)\s*\{", re.M)


def _prefixed(css: str, prefix: str) -> str:
    def each(m: re.Match) -> str:
        selectors = ", ".join(f"{prefix} {s.strip()}".replace(" :root", "") for s in m.group(2).split(","))
        return f"{m.group(1)}{selectors} {{"
    return _RULE.sub(each, css)


def with_theme_switch(css: str) -> str:
    """Make every ``prefers-color-scheme: dark`` block obey the reader's choice as well.

    The reader's light/dark/auto choice is ``data-theme`` on ``<html>``: in a dark media block
    each rule becomes ``:root:not([data-theme="light"]) …`` (a reader who chose light keeps the
    light colours), and a copy prefixed ``:root[data-theme="dark"]`` applies the dark colours
    whatever the system's setting."""
    out: list[str] = []
    copies: list[str] = []
    position = 0
    while True:
        start = css.find(_DARK, position)
        if start == -1:
            out.append(css[position:])
            break
        open_brace = css.index("{", start)
        depth, index = 1, open_brace + 1
        while depth and index < len(css):
            depth += {"{": 1, "}": -1}.get(css[index], 0)
            index += 1
        inner = css[open_brace + 1:index - 1]
        out.append(css[position:open_brace + 1])
        out.append(_prefixed(inner, ':root:not([data-theme="light"])'))
        out.append("}")
        copies.append(_prefixed(inner, ':root[data-theme="dark"]'))
        position = index
    return "".join(out) + ("\n/* the reader chose dark */\n" + "\n".join(copies) + "\n" if copies else "")
