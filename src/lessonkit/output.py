"""Safe output: build into a staging folder beside the output, then swap.

A build that fails leaves the previous output exactly as it was.  Files that
did not change are hard-linked from the previous output (copied where links
are not possible), so an incremental build writes only what changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

MARKER = ".lessonkit-site"
LEFTOVER_SECONDS = 60

def _delete_in_background(folder: Path) -> None:
    """Remove a replaced output without making the build wait for it: ``rm -rf`` in its own
    process where there is one (it neither holds our interpreter's lock nor needs us to wait),
    otherwise a thread. A deletion cut short is finished by a later build."""
    rm = shutil.which("rm") if os.name == "posix" else None
    if rm is not None:
        try:
            subprocess.Popen([rm, "-rf", "--", str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
            return
        except OSError:
            pass
    threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True},
                     name="lessonkit-delete-old-output").start()


def _remove_leftovers(out: Path) -> None:
    """Old outputs left behind by a deletion that was cut short; only those replaced over
    LEFTOVER_SECONDS ago, so that a deletion still running is not raced."""
    now = time.time()
    for old in out.parent.glob(f".{out.name}.old-*"):
        try:
            stale = now - old.lstat().st_ctime > LEFTOVER_SECONDS
        except OSError:
            continue
        if stale and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


class OutputError(Exception):
    pass


class StagedOutput:
    def __init__(self, out: Path):
        self.out = out.resolve()
        self.previous = self.out if self.out.is_dir() else None
        if self.previous is not None and any(self.previous.iterdir()) and not (self.previous / MARKER).exists():
            raise OutputError(
                f"{self.out} exists and was not made by lessonkit; refusing to replace it. "
                "Choose another --out folder or empty this one."
            )
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(self.out)
        self.stage = self.out.parent / f".{self.out.name}.staging-{os.getpid()}"
        if self.stage.exists():
            shutil.rmtree(self.stage)
        self.stage.mkdir()
        self._dirs: set[Path] = {self.stage}
        self._stage_str = str(self.stage)
        self._previous_str = str(self.previous) if self.previous is not None else ""
        self._dir_strs: set[str] = {self._stage_str}
        self.written = 0
        self.reused = 0
        # Each build stamps its output with a token; a cache of "what the previous output holds"
        # is trusted only when it was recorded for the output that is actually there.
        self.previous_token = self._read_token()
        self.token = uuid.uuid4().hex

    def _read_token(self) -> str | None:
        if self.previous is None:
            return None
        try:
            text = (self.previous / MARKER).read_text()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("token: "):
                return line[len("token: "):].strip()
        return None

    def _parent(self, path: Path) -> None:
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)

    def write(self, rel: str, data: str | bytes | list[bytes]) -> None:
        """Write a file of the new output (a list of byte strings is written one after the other)."""
        path = self.stage / rel
        self._parent(path)
        with open(path, "wb") as handle:
            if isinstance(data, list):
                handle.writelines(data)
            else:
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        self.written += 1

    def reuse(self, rel: str) -> bool:
        """Carry ``rel`` over from the previous output; False when it is not there."""
        if self.previous is None:
            return False
        source = os.path.join(self._previous_str, rel)
        target = os.path.join(self._stage_str, rel)
        parent = os.path.dirname(target)
        if parent not in self._dir_strs:
            os.makedirs(parent, exist_ok=True)
            self._dir_strs.add(parent)
        try:
            os.link(source, target)
        except FileNotFoundError:
            return False
        except OSError:
            try:
                shutil.copy2(source, target)
            except OSError:
                return False
        self.reused += 1
        return True

    def copy(self, source: Path, rel: str) -> None:
        target = self.stage / rel
        self._parent(target)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        self.written += 1

    def commit(self) -> None:
        (self.stage / MARKER).write_text(
            "This folder is built by lessonkit; it is replaced on every build.\n" f"token: {self.token}\n"
        )
        old = None
        if self.out.exists():
            old = self.out.parent / f".{self.out.name}.old-{os.getpid()}-{self.token[:8]}"
            os.rename(self.out, old)
        os.rename(self.stage, self.out)
        if old is not None:
            _delete_in_background(old)

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
