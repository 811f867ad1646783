"""The ``lessonkit`` command's entry point: a no-change ``lessonkit build`` answered before click loads.

A no-change build (``lessonkit.manifest``) costs an interpreter start, one walk of the lesson's files and
one small file; importing click costs as much again. So a ``lessonkit build`` whose arguments are only the
common ones (a lesson folder, ``--out``/``-o``, ``--cache-dir``, ``--quiet``/``-q``, ``--strict``,
``--no-execute``, ``--keep-going``, ``--timeout``, ``--jobs``/``-j``) is first asked whether nothing
changed; when nothing did and the last build had nothing to report, its one line is printed here. Anything
else — another command, any other option, ``--help``, a value click would refuse, a change, a diagnostic —
goes to the click command line (``lessonkit.cli``), which then does exactly what it always did.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

FLAGS = {"-q": "quiet", "--quiet": "quiet", "--strict": "strict", "--no-execute": "no_execute",
         "--keep-going": "keep_going"}
VALUES = {"-o": "out", "--out": "out", "--cache-dir": "cache_dir", "--timeout": "timeout", "-j": "jobs",
          "--jobs": "jobs"}


def main() -> None:
    code = quick_build(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from lessonkit.cli import main as command_line

    command_line()


def parse_build(args: list[str]) -> dict | None:
    """The options of ``build ARGS`` when they are only the common ones and click would take them
    as they are; None otherwise (click then parses them, and says what is wrong)."""
    if not args or args[0] != "build":
        return None
    found: dict = {"path": None}
    rest = args[1:]
    position = 0
    while position < len(rest):
        token = rest[position]
        position += 1
        if token == "--":
            return None
        name, value = token, None
        if token.startswith("--") and "=" in token:
            name, value = token.split("=", 1)
        if name in FLAGS and value is None:
            found[FLAGS[name]] = True
        elif name in VALUES:
            if value is None:
                if position >= len(rest):
                    return None
                value = rest[position]
                position += 1
            if VALUES[name] in found:
                return None  # given twice: click's rule (the last one wins) is not repeated here
            found[VALUES[name]] = value
        elif token.startswith("-") and token != "-":
            return None  # any other option, --help, combined short flags, -oVALUE
        elif found["path"] is None:
            found["path"] = token
        else:
            return None
    for name in ("timeout", "jobs"):
        if name in found:
            text = found[name]
            if not text.isascii() or not text.isdigit() or int(text) < 1:
                return None
            found[name] = int(text)
    path = Path(found["path"] if found["path"] is not None else ".")
    if not path.is_dir():
        return None
    found["path"] = path
    for name in ("out", "cache_dir"):
        if name in found:
            if not found[name] or (Path(found[name]).exists() and not Path(found[name]).is_dir()):
                return None
            found[name] = Path(found[name])
    return found


def quick_build(args: list[str]) -> int | None:
    """The exit status of a no-change ``lessonkit build ARGS`` that had nothing to report (after printing
    what ``lessonkit.cli.build`` prints for it), or None for the click command line to run instead."""
    if os.environ.get("LESSONKIT_DEBUG"):
        return None
    options = parse_build(args)
    if options is None:
        return None
    from lessonkit.build import Builder, BuildOptions, default_output
    from lessonkit.execute import ExecutionOptions

    path = options["path"]
    out = options.get("out") or default_output(path)
    execution = ExecutionOptions(enabled=not options.get("no_execute", False),
                                 timeout=options.get("timeout", ExecutionOptions.timeout), jobs=options.get("jobs"),
                                 keep_going=options.get("keep_going", False), prerendered=None)
    try:
        result = Builder(path, BuildOptions(out=out, strict=options.get("strict", False),
                                            cache=options.get("cache_dir"), execution=execution)
                         ).unchanged(building_next=True)
    except OSError:
        return None  # the command line reports it
    if result is None or result.diagnostics:
        return None
    if not options.get("quiet"):
        from lessonkit.reporting import up_to_date_line

        print(up_to_date_line(result, out), file=sys.stderr, flush=True)
    return 0
