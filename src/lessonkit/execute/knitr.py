"""knitr-style execution of one episode: R chunks in IRkernel, Python chunks in a Python kernel,
shell chunks in a shell, inline `` `r expr` `` in the R session, all in document order.

The result of each chunk is the list of what the page shows, in knitr's order: source
segments interleaved with their output, messages, warnings, errors and figures, already
filtered by the chunk's options (``echo``, ``results``, ``include``, ...) and by the
defaults an earlier chunk set with ``knitr::opts_chunk$set``. The first item of every
chunk laid out here is a ``knitr`` marker (see :mod:`lessonkit.execute.layout`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.execute import layout
from lessonkit.execute.engines import (
    KNITR_DEFAULTS,
    MAX_FIGURES,
    engine_of,
    inline_expressions,
    is_shell,
    runnable,
)
from lessonkit.execute.options import ERROR_FIX
from lessonkit.execute.outputs import from_jupyter
from lessonkit.model import CodeChunk, Markdown, Output, Page

#: The R helper's text outputs and the model's output kinds they become.
R_TEXT_OUTPUTS = {"text": "stdout", "message": "message", "warning": "warning"}


@dataclass
class Note:
    """Something to report about a chunk (becomes a Diagnostic; cached with the outputs)."""

    chunk: int  # index in page.chunks()
    line: int
    rule: str
    error: bool  # an error unless the run is --keep-going
    message: str
    fix: str


@dataclass
class KnitrRun:
    outputs: list[list[Output]]
    executed: list[bool]
    errors: list[str | None]
    notes: list[Note] = field(default_factory=list)
    cells: int = 0
    seconds: float = 0.0
    failure: str | None = None  # a kernel could not start: nothing ran
    stopped: bool = False  # a timeout or a dead kernel: not cached


@dataclass
class Context:
    cwd: Path
    env: dict[str, str]
    timeout: int
    r_kernel: str | None  # None: R is not available
    python_kernel: str
    #: config.yaml's fail_on_error: false: a chunk without its own error= option runs on after an error,
    #: as knitr's error=TRUE (sandpaper's default), and the error is reported as a warning
    shows_errors: bool = False


def plan(page: Page) -> list[tuple[str, object]]:
    """The episode's steps in document order: ("chunk", index) and ("inline", expression)."""
    chunks = page.chunks()
    index = {id(c): i for i, c in enumerate(chunks)}
    inline = {id(node): [] for node, _ in inline_expressions(page)}
    for node, expr in inline_expressions(page):
        inline[id(node)].append(expr)
    steps: list[tuple[str, object]] = []
    for node, _ in page.walk():
        if isinstance(node, CodeChunk):
            steps.append(("chunk", index[id(node)]))
        elif isinstance(node, Markdown) and id(node) in inline:
            steps.extend(("inline", expr) for expr in inline.pop(id(node)))
    return steps


def _merge(defaults: dict, chunk: CodeChunk) -> dict:
    options = dict(defaults)
    for key, value in chunk.options.items():
        options[key] = value
    return options


class _Runner:
    def __init__(self, page: Page, context: Context):
        self.page = page
        self.context = context
        self.chunks = page.chunks()
        self.sessions: dict[str, object] = {}
        self.failed: dict[str, str] = {}  # engine -> why its kernel could not start
        self.results = tempfile.mkdtemp(prefix="lessonkit-results-")
        self.defaults = dict(KNITR_DEFAULTS)  # changed by knitr::opts_chunk$set in the R session
        n = len(self.chunks)
        self.run = KnitrRun([[] for _ in range(n)], [False] * n, [None] * n)
        self.inline: dict[str, list[str]] = {}
        self.counter = 0

    # -- sessions ------------------------------------------------------------

    def session(self, engine: str):
        from lessonkit.execute.knitr_r import HELPER
        from lessonkit.execute.session import KernelDied, Session

        if engine in self.sessions:
            return self.sessions[engine]
        if engine in self.failed:
            return None
        name = self.context.r_kernel if engine == "r" else self.context.python_kernel
        if name is None:
            return None
        session = None
        try:
            session = Session(name, self.context.cwd, self.context.env)
            if engine == "r":
                reply = session.execute(HELPER, max(120, self.context.timeout))
                if reply.status != "ok":
                    raise KernelDied(f"the R helper could not be installed: {reply.error and reply.error.get('evalue')}")
        except Exception as exc:  # no such kernel, it died while starting, ...
            if session is not None:
                session.close()
            self.failed[engine] = str(exc) or type(exc).__name__
            return None
        self.sessions[engine] = session
        return session

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        shutil.rmtree(self.results, ignore_errors=True)

    # -- steps ---------------------------------------------------------------

    def execute(self) -> KnitrRun:
        from lessonkit.execute.session import KernelDied, Timeout

        started = time.perf_counter()
        try:
            for kind, value in plan(self.page):
                try:
                    if kind == "inline":
                        self.inline_r(str(value))
                    else:
                        self.chunk(int(value))
                except Timeout:
                    index = int(value) if kind == "chunk" else self._last_chunk()
                    self._note(index, "chunk-timeout", True,
                               f"chunk {_name(self.chunks[index])} did not finish within {self.context.timeout} s; "
                               "the chunks after it were not run",
                               "Make the code faster, or allow more time with --timeout SECONDS.")
                    self.run.stopped = True
                    break
                except KernelDied:
                    index = int(value) if kind == "chunk" else self._last_chunk()
                    chunk = self.chunks[index]
                    language = "R" if engine_of(chunk) == "r" else "Python"
                    self._note(index, "kernel-died", True,
                               f"the {language} session ended while chunk {_name(chunk)} ran (quit(), q(), "
                               "exit() or a crash); the chunks after it were not run",
                               "Remove the call that ends the session: a lesson's code runs in one session "
                               "per episode, as with knitr.")
                    self.run.stopped = True
                    break
        finally:
            self.close()
        if self.inline and self.chunks:
            self.run.outputs[0].insert(0, Output("inline", json.dumps(self.inline, ensure_ascii=False)))
        if self.failed and not any(self.run.executed):
            self.run.failure = "; ".join(self.failed.values())
        self.run.seconds = time.perf_counter() - started
        return self.run

    def _last_chunk(self) -> int:
        executed = [i for i, done in enumerate(self.run.executed) if done]
        return executed[-1] if executed else 0

    def _note(self, index: int, rule: str, error: bool, message: str, fix: str, line: int = 0) -> None:
        chunk = self.chunks[index]
        self.run.notes.append(Note(index, line or chunk.line, rule, error, message, fix))

    def _file(self) -> Path:
        self.counter += 1
        return Path(self.results) / f"step{self.counter}"

    def inline_r(self, expr: str) -> None:
        from lessonkit.execute.knitr_r import r_string

        session = self.session("r")
        if session is None:
            return
        target = self._file()
        session.execute(f"inline({r_string(expr)}, {r_string(str(target))})", self.context.timeout)
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        text = str(data.get("text", ""))
        if not data.get("ok"):
            text = f"`r {expr}` (error: {text})"
        self.inline.setdefault(expr, []).append(text)

    def chunk(self, index: int) -> None:
        chunk = self.chunks[index]
        engine = engine_of(chunk)
        if not runnable(engine):
            return  # reported by the runner; shown as code
        options = _merge(self.defaults, chunk)
        items: list[Output] = []
        if options.get("eval") is not False:
            if engine == "r":
                items = self.r_chunk(index, chunk, options)
            elif engine == "python":
                items = self.python_chunk(index, chunk, options)
            elif is_shell(engine):
                items = self.shell_chunk(index, chunk, options, engine)
        if items is None:  # not run (no kernel): shown as code only, as without execution
            return
        self.run.outputs[index] = layout.arrange(chunk, engine, options, items)

    def _error(self, index: int, chunk: CodeChunk, options: dict, message: str, line: int) -> None:
        if options.get("error") is True:
            return
        self.run.errors[index] = message
        self._note(index, "chunk-error", True, f"chunk {_name(chunk)} failed: {message}",
                   ERROR_FIX, line=line)

    def r_chunk(self, index: int, chunk: CodeChunk, options: dict) -> list[Output] | None:
        from lessonkit.execute.knitr_r import r_string

        session = self.session("r")
        if session is None:
            return None
        target = self._file()
        settings = {key: options.get(key) for key in ("fig.width", "fig.height", "dpi", "error", "warning",
                                                      "message")}
        if self.context.shows_errors and chunk.option("error") is None:
            settings["error"] = True
        settings["max_figures"] = MAX_FIGURES
        (target.parent / (target.name + ".options.json")).write_text(json.dumps({k: _plain(v) for k, v in settings.items()}))
        code = f"chunk({r_string(chunk.code)}, {r_string(str(target) + '.options.json')}, {r_string(str(target))})"
        reply = session.execute(code, self.context.timeout)
        self.run.executed[index] = True
        self.run.cells += 1
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            message = (reply.error or {}).get("evalue") or "no result"
            self.run.stopped = True  # not the lesson's fault: never cached
            self._error(index, chunk, {}, f"lessonkit could not run the chunk: {message}", chunk.line)
            return []
        items = self._r_outputs(index, chunk, options, data.get("items", []))
        self._r_state(index, chunk, data)
        return items

    def _r_outputs(self, index: int, chunk: CodeChunk, options: dict, reported: list) -> list[Output]:
        """The outputs the R helper reported for a chunk, as model outputs (errors at their line)."""
        items: list[Output] = []
        consumed = 0  # lines of the chunk's code before the current expression
        last_start = 0
        for item in reported:
            kind, text = item.get("kind"), str(item.get("text", ""))
            if kind == "source":
                last_start = consumed
                consumed += text.count("\n") + (0 if text.endswith("\n") else 1)
                items.append(Output("source", text))
            elif kind in R_TEXT_OUTPUTS:
                items.append(Output(R_TEXT_OUTPUTS[kind], text))
            elif kind == "asis":
                items.append(Output("markdown", text, mime="text/markdown"))
            elif kind == "error":
                items.append(Output("error", text, caption=text))
                self._error(index, chunk, options, text, chunk.line + 1 + last_start)
            elif kind == "plot" and item.get("file"):
                try:
                    png = Path(item["file"]).read_bytes()
                except OSError:
                    continue
                items.append(Output("image", mime="image/png", data=png))
            elif kind == "too-many-figures" and not any(n.rule == "too-many-figures" and n.chunk == index
                                                        for n in self.run.notes):
                self._note(index, "too-many-figures", False,
                           f"chunk {_name(chunk)} drew {text} figures; only the first {MAX_FIGURES} are shown",
                           "Draw fewer figures in one chunk (a plot inside an endless loop?).")
        return items

    def _r_state(self, index: int, chunk: CodeChunk, data: dict) -> None:
        """What a chunk changed for the next ones: knitr's chunk option defaults, and the working folder
        (changed back, with a note)."""
        defaults = data.get("defaults")
        if isinstance(defaults, dict):
            self.defaults = {**KNITR_DEFAULTS, **{k: v for k, v in defaults.items() if k != "comment"}}
            if "comment" in defaults:
                self.defaults["comment"] = defaults["comment"] or ""
        moved = data.get("wd")
        if isinstance(moved, str) and Path(moved) != self.context.cwd and \
                Path(moved).resolve() != self.context.cwd.resolve():
            self._note(index, "chunk-setwd", False,
                       f"chunk {_name(chunk)} changed the working folder to {moved}; lessonkit changed it back "
                       "to the episode's folder for the next chunk",
                       "Use paths relative to the episode (\"data/file.csv\") instead of setwd().")

    def python_chunk(self, index: int, chunk: CodeChunk, options: dict) -> list[Output] | None:
        session = self.session("python")
        if session is None:
            return None
        reply = session.execute(chunk.code, self.context.timeout)
        self.run.executed[index] = True
        self.run.cells += 1
        items = [Output("source", chunk.code)]
        items.extend(o for o in (from_jupyter(dict(output)) for output in reply.outputs) if o is not None)
        if reply.status == "error" and reply.error:
            message = f"{reply.error.get('ename', 'Error')}: {reply.error.get('evalue', '')}"
            self._error(index, chunk, options, message, chunk.line)
        return items

    def shell_chunk(self, index: int, chunk: CodeChunk, options: dict, shell: str) -> list[Output]:
        from lessonkit.execute.session import Timeout

        program = shutil.which(shell) or shutil.which("sh")
        self.run.executed[index] = True
        self.run.cells += 1
        items = [Output("source", chunk.code)]
        try:
            done = subprocess.run([program, "-c", chunk.code], cwd=self.context.cwd, env=self.context.env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=self.context.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise Timeout() from exc
        text = done.stdout.decode("utf-8", "replace")
        if text:
            items.append(Output("stdout", text))
        if done.returncode != 0:
            message = f"Error: the {shell} command exited with status {done.returncode}"
            items.append(Output("error", message, caption=message))
            self._error(index, chunk, options, message + (f"\n{text.strip()[-300:]}" if text.strip() else ""),
                        chunk.line)
        return items


def _plain(value):
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _name(chunk: CodeChunk) -> str:
    return f"'{chunk.label}'" if chunk.label else f"at line {chunk.line}"


def run_episode(page: Page, context: Context) -> KnitrRun:
    return _Runner(page, context).execute()
