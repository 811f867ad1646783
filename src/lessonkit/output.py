"""Safe output: build into a staging folder beside the output, then swap.

A build that fails leaves the previous output exactly as it was.  Files that
did not change are hard-linked from the previous output (copied where links
are not possible), so an incremental build writes only what changed.

The output folder is guarded: lessonkit never replaces a lesson's own folder, a
folder above it, or a folder that holds a lesson (``config.yaml``/``_config.yml``)
or a git repository (``.git``), whatever marker files it holds (a lesson can ship
a ``.lessonkit-site`` marker of its own).  Builds into one output take a lock
(``.<out>.lock`` beside it): a second build waits for the first, then runs.
Staging folders of builds that were killed are removed by the next build.  On
Linux the new output is swapped in with ``renameat2(RENAME_EXCHANGE)``, so the
output folder exists at every instant; elsewhere two renames are used.

shutil and subprocess are imported where they are used: a no-change build reads only the output's
stamp (``read_token``) and should not pay for them.
"""

from __future__ import annotations

import errno
import functools
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

MARKER = ".lessonkit-site"
LEFTOVER_SECONDS = 60
#: Files or folders whose presence means "this is a lesson or a repository, not a built site".
PROTECTED_NAMES = ("config.yaml", "_config.yml", ".git")
#: How long a build waits for another build into the same output (seconds);
#: ``LESSONKIT_OUTPUT_WAIT`` overrides it (0: fail at once).
LOCK_WAIT = 300.0
def _delete_in_background(folder: Path) -> None:
    """Remove a replaced output without making the build wait for it: ``rm -rf`` in its own
    process where there is one (it neither holds our interpreter's lock nor needs us to wait),
    otherwise a thread. A deletion cut short is finished by a later build."""
    import shutil
    import subprocess

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
    import shutil

    now = time.time()
    for old in out.parent.glob(f".{out.name}.old-*"):
        try:
            stale = now - old.lstat().st_ctime > LEFTOVER_SECONDS
        except OSError:
            continue
        if stale and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)




def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _remove_stale_staging(out: Path) -> None:
    """Staging folders of builds that were killed.  Called with the output's lock held, so no
    other build is writing one; a folder whose process is still alive is left alone anyway."""
    import shutil

    for stage in out.parent.glob(f".{out.name}.staging-*"):
        pid = stage.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
            continue
        if stage.is_dir() and not stage.is_symlink():
            shutil.rmtree(stage, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2():
    """libc's renameat2, looked up when a build first swaps its output (the symbols the Python
    process already has: no ``find_library``, which runs ldconfig)."""
    import ctypes

    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False when the OS
    or file system cannot, and nothing was changed."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def refusal(out: Path, protect: Iterable[Path] = ()) -> str | None:
    """Why ``out`` must never be replaced by a built site, or None when it may be."""
    out = out.resolve()
    for root in protect:
        root = root.resolve()
        if out == root:
            return f"{out} is the lesson folder itself"
        if out in root.parents:
            return f"{out} contains the lesson {root}"
    if out == Path(out.anchor) or out == Path.home().resolve():
        return f"{out} is {'the root of the file system' if out == Path(out.anchor) else 'your home folder'}"
    if out.is_dir():
        for name in PROTECTED_NAMES:
            if os.path.lexists(out / name):
                what = "a git repository" if name == ".git" else "a lesson"
                return f"{out} holds {what} ({name})"
    return None


def read_token(folder: Path) -> str | None:
    """The stamp a build wrote into the output folder's marker, or None."""
    try:
        text = (folder / MARKER).read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("token: "):
            return line[len("token: "):].strip()
    return None


class OutputError(Exception):
    pass


class OutputBusy(OutputError):
    pass


class _Lock:
    """An exclusive lock on ``.<out>.lock`` beside the output (``fcntl.flock``; released by
    the OS when the process dies, so a killed build never leaves it held)."""

    def __init__(self, out: Path, wait: float):
        self.path = out.parent / f".{out.name}.lock"
        self.handle = None
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock (Windows is not a supported build host)
            return
        handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise OutputBusy(
                        f"another lessonkit build is writing to {out} (it holds {self.path}); "
                        f"waited {wait:g} s. Wait for it to finish, or build into another --out folder."
                    ) from None
                time.sleep(0.05)
        self.handle = handle

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file releases the flock
            self.handle = None


def _lock_wait() -> float:
    try:
        return max(0.0, float(os.environ.get("LESSONKIT_OUTPUT_WAIT", LOCK_WAIT)))
    except ValueError:
        return LOCK_WAIT


class StagedOutput:
    def __init__(self, out: Path, protect: Iterable[Path] = (), wait: float | None = None):
        import shutil

        self.out = out.resolve()
        why = refusal(self.out, protect)
        if why is not None:
            raise OutputError(f"refusing to replace {self.out}: {why}. Choose an --out folder of its own, "
                              "such as a 'site' folder inside the lesson.")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _Lock(self.out, _lock_wait() if wait is None else wait)
        try:
            self.previous = self.out if self.out.is_dir() else None
            if self.previous is not None and any(self.previous.iterdir()) and not (self.previous / MARKER).exists():
                raise OutputError(
                    f"{self.out} exists and was not made by lessonkit; refusing to replace it. "
                    "Choose another --out folder or empty this one."
                )
            _remove_leftovers(self.out)
            _remove_stale_staging(self.out)
            self.stage = self.out.parent / f".{self.out.name}.staging-{os.getpid()}"
            if self.stage.exists():
                shutil.rmtree(self.stage)
            self.stage.mkdir()
        except BaseException:
            self._lock.release()
            raise
        self._dirs: set[Path] = {self.stage}
        self._stage_str = str(self.stage)
        self._previous_str = str(self.previous) if self.previous is not None else ""
        self._dir_strs: set[str] = {self._stage_str}
        self.written = 0
        self.reused = 0
        # Each build stamps its output with a token; a cache of "what the previous output holds"
        # is trusted only when it was recorded for the output that is actually there.
        self.previous_token = self._read_token()
        self.token = os.urandom(16).hex()

    def _read_token(self) -> str | None:
        return read_token(self.previous) if self.previous is not None else None

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

    def previous_size(self, rel: str) -> int | None:
        """The size of ``rel`` in the previous output (None when it is not there)."""
        if self.previous is None:
            return None
        try:
            return os.stat(os.path.join(self._previous_str, rel)).st_size
        except OSError:
            return None

    def splice(self, rel: str, pieces: list[bytes | tuple[int, int]]) -> None:
        """Write ``rel`` from literal bytes and (offset, length) ranges of the previous output's ``rel``
        (copied by the kernel where the file system can: ``os.copy_file_range``)."""
        path = self.stage / rel
        self._parent(path)
        source = os.open(os.path.join(self._previous_str, rel), os.O_RDONLY) \
            if any(isinstance(p, tuple) for p in pieces) else None
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for piece in pieces:
                if isinstance(piece, tuple):
                    _copy_range(source, target, *piece)
                else:
                    _write_all(target, piece)
        finally:
            os.close(target)
            if source is not None:
                os.close(source)
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
            import shutil

            try:
                shutil.copy2(source, target)
            except OSError:
                return False
        self.reused += 1
        return True

    def copy(self, source: Path, rel: str) -> None:
        import shutil

        target = self.stage / rel
        self._parent(target)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        self.written += 1

    def commit(self) -> None:
        try:
            (self.stage / MARKER).write_text(
                "This folder is built by lessonkit; it is replaced on every build.\n" f"token: {self.token}\n"
            )
            old = None
            if self.out.exists():
                old = self.out.parent / f".{self.out.name}.old-{os.getpid()}-{self.token[:8]}"
                if exchange(self.stage, self.out):  # the output exists at every instant
                    os.rename(self.stage, old)
                else:
                    os.rename(self.out, old)
                    os.rename(self.stage, self.out)
            else:
                os.rename(self.stage, self.out)
            if old is not None:
                _delete_in_background(old)
        finally:
            self._lock.release()

    def abort(self) -> None:
        import shutil

        shutil.rmtree(self.stage, ignore_errors=True)
        self._lock.release()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Copy ``length`` bytes at ``offset`` of ``source`` to the end of ``target``."""
    end = offset + length
    while offset < end:
        try:
            copied = os.copy_file_range(source, target, end - offset, offset)
        except OSError as error:
            if error.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            copied = 0
        if copied == 0:  # not supported here, or the file is shorter than its layout said
            data = os.pread(source, end - offset, offset)
            if not data:
                raise OSError(errno.EIO, "the previous output file is shorter than recorded")
            _write_all(target, data)
            copied = len(data)
        offset += copied
