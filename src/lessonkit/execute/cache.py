"""The execution cache: an episode's outputs, keyed by everything that could change them.

The key is a hash of the kernel environment (kernel name, the Python and package
versions of the environment the kernel runs in), the code and execution options of
every chunk in order, and the contents of the lesson's data files the code
mentions. A file is "mentioned" when its path relative to the episode, or its
name, appears in a chunk's code (``pd.read_csv("data/cells.csv")``). Entries live
in ``<lesson cache>/exec/``; deleting them only costs a re-run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lessonkit.cache import load_data, save_data
from lessonkit.model import CodeChunk, Output

DATA_FOLDERS = ("data", "files")
VERSION = 2
KIND = "lessonkit-exec"


def kernel_argv(kernel_name: str) -> list[str]:
    """The command line of an installed kernel spec (read from its kernel.json directly:
    importing jupyter_client costs half a second that a warm build should not pay)."""
    import json

    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        spec = Path(folder) / kernel_name / "kernel.json"
        if spec.is_file():
            argv = json.loads(spec.read_text(encoding="utf-8")).get("argv")
            if isinstance(argv, list) and argv:
                return [str(a) for a in argv]
    raise LookupError(kernel_name)


@lru_cache(maxsize=8)
def environment_signature(kernel_name: str) -> str:
    """Kernel name, kernel interpreter and installed package versions."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(kernel_name.encode())
    try:
        argv = kernel_argv(kernel_name)
        digest.update(" ".join(argv).encode())
        executable = Path(argv[0])
        if executable.is_file():
            digest.update(str(executable.resolve().stat().st_mtime_ns).encode())
    except Exception:  # no such kernel: the key still differs from a working one
        digest.update(b"no-kernelspec")
    digest.update(sys.version.encode() + b"\x1f" + sys.prefix.encode())
    # Installed packages and their versions, from the names of their metadata folders
    # (e.g. "pandas-2.2.3.dist-info"): listing folders is much faster than reading metadata.
    # Only the names count, not the folders on sys.path, which change with the working
    # directory (python -m) and PYTHONPATH without changing what the code runs with.
    names: set[str] = set()
    for entry in sys.path:
        try:
            names.update(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info", ".egg-link")))
        except OSError:
            continue
    digest.update("\n".join(sorted(names)).encode())
    return digest.hexdigest()


def _r_installation(folder: Path | None) -> list[str]:
    """R's version string and library folders (one ``Rscript`` call, remembered in the cache
    folder for as long as the R executable and the variables that choose libraries are the same)."""
    import shutil

    executable = shutil.which("Rscript")
    if executable is None:
        return []
    try:
        st = Path(executable).resolve().stat()
    except OSError:
        return []
    stamp = "\x1f".join([str(Path(executable).resolve()), str(st.st_mtime_ns), str(st.st_size),
                         *(f"{n}={os.environ.get(n, '')}" for n in ("R_LIBS", "R_LIBS_USER", "R_LIBS_SITE", "HOME"))])
    remembered = folder / "r-installation.msgpack" if folder is not None else None
    if remembered is not None:
        data = _load_data(remembered, stamp)
        if isinstance(data, list) and all(isinstance(line, str) for line in data) and data:
            return data
    try:
        done = subprocess.run([executable, "--vanilla", "-e", "cat(R.version.string, .libPaths(), sep='\\n')"],
                              capture_output=True, text=True, timeout=60, check=False)
        lines = done.stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return []
    if lines and remembered is not None:
        remembered.parent.mkdir(parents=True, exist_ok=True)
        _save_data(remembered, stamp, lines)
    return lines


_R_SIGNATURES: dict[tuple[str, str], str] = {}


def r_signature(kernel_name: str, folder: Path | None = None) -> str:
    """The R environment: R's version and every installed package with its version, read from
    the packages' DESCRIPTION files, so upgrading ggplot2 (or R) runs the R chunks again.

    Reading a hundred DESCRIPTION files costs more than a no-change build may, so the result is
    remembered in the cache folder under a stamp of every package folder's ``stat()`` (installing,
    removing or upgrading a package — by R or by apt — changes its folder)."""
    memo = (kernel_name, str(folder))
    if memo in _R_SIGNATURES:
        return _R_SIGNATURES[memo]
    digest = hashlib.blake2b(digest_size=12)
    digest.update(environment_signature(kernel_name).encode())
    lines = _r_installation(folder)
    if not lines:
        digest.update(b"no-R")
        return digest.hexdigest()
    digest.update(lines[0].encode())
    packages = _r_packages(lines[1:])
    stamp = hashlib.blake2b("\n".join(f"{p}:{m}:{i}" for p, m, i in packages).encode(), digest_size=16).hexdigest()
    remembered = folder / "r-packages.msgpack" if folder is not None else None
    versions = _load_data(remembered, stamp) if remembered is not None else None
    if not isinstance(versions, str):
        versions = "".join(f"{path}={_r_version(path)}\n" for path, _, _ in packages)
        if remembered is not None:
            remembered.parent.mkdir(parents=True, exist_ok=True)
            _save_data(remembered, stamp, versions)
    digest.update(versions.encode())
    _R_SIGNATURES[memo] = digest.hexdigest()
    return _R_SIGNATURES[memo]


def _r_packages(libraries: list[str]) -> list[tuple[str, int, int]]:
    """Every package folder of the R libraries, with its modification time and inode, in order."""
    found: list[tuple[str, int, int]] = []
    for library in libraries:
        try:
            entries = sorted(os.scandir(library), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            found.append((f"{library}/{entry.name}", st.st_mtime_ns, st.st_ino))
    return found


def _r_version(package: str) -> str:
    try:
        with open(Path(package) / "DESCRIPTION", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def data_files(root: Path, episode_dir: Path, chunks: list[CodeChunk]) -> list[Path]:
    """Lesson data files whose path or name appears in the chunks' code."""
    code = "\n".join(c.code for c in chunks)
    found: list[Path] = []
    for base in {episode_dir, root, *(root / f for f in ("episodes", "learners", "instructors", "profiles"))}:
        for folder in DATA_FOLDERS:
            directory = base / folder
            if not directory.is_dir():
                continue
            for path in sorted(directory.rglob("*")):
                if path.is_file() and (path.name in code or path.relative_to(base).as_posix() in code):
                    found.append(path)
    return sorted(set(found))


def episode_key(kernel_name: str, chunks: list[CodeChunk], files: list[Path], timeout: int,
                environment: str | None = None, extra: str = "") -> str:
    """The cache key of an episode's run. ``environment`` overrides the kernel signature
    (knitr-style runs combine the R and Python environments); ``extra`` adds what else the
    run depends on (the inline R expressions, in order)."""
    digest = hashlib.blake2b(digest_size=16)
    signature = environment if environment is not None else environment_signature(kernel_name)
    digest.update(f"v{VERSION}\x1f{signature}\x1f{timeout}\x1f{extra}".encode("utf-8", "surrogatepass"))
    for chunk in chunks:
        digest.update(b"\x1e" + chunk.engine.encode() + b"\x1f" + chunk.code.encode("utf-8", "surrogatepass"))
        digest.update(repr(sorted((str(k), repr(v)) for k, v in chunk.options.items())).encode())
    for path in files:
        digest.update(b"\x1d" + path.as_posix().encode())
        try:
            digest.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


@dataclass
class CachedRun:
    outputs: list[list[Output]]
    executed: list[bool]
    errors: list[str | None]
    notes: list[dict] = field(default_factory=list)  # knitr-style runs: diagnostics to report again
    files: dict[str, bytes] = field(default_factory=dict)  # files the code wrote that pages link to


def _output_data(output: Output) -> dict:
    return {"kind": output.kind, "text": output.text, "mime": output.mime, "data": output.data,
            "alt": output.alt, "caption": output.caption}


def _output(data: dict) -> Output:
    if not isinstance(data, dict):
        raise ValueError("output")
    blob = data.get("data")
    if blob is not None and not isinstance(blob, bytes):
        raise ValueError("data")
    fields = [data.get(name, "") for name in ("kind", "text", "mime", "alt", "caption")]
    if not all(isinstance(value, str) for value in fields):
        raise ValueError("output")
    kind, text, mime, alt, caption = fields
    return Output(kind, text, mime or "text/plain", blob, alt, caption)


def to_data(run: CachedRun) -> dict:
    """A cached run as plain data (lists, dicts, strings, numbers, bytes)."""
    return {"outputs": [[_output_data(o) for o in outputs] for outputs in run.outputs],
            "executed": [bool(e) for e in run.executed], "errors": list(run.errors),
            "notes": [dict(n) for n in run.notes], "files": dict(run.files)}


def from_data(data) -> CachedRun | None:
    """The inverse of :func:`to_data`; None for anything that is not a well-formed run."""
    try:
        outputs = [[_output(o) for o in chunk] for chunk in data["outputs"]]
        executed = [bool(e) for e in data["executed"]]
        errors = [e if isinstance(e, str) else None for e in data["errors"]]
        notes = [n for n in data.get("notes", []) if isinstance(n, dict)]
        files = {str(k): v for k, v in data.get("files", {}).items() if isinstance(v, bytes)}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not (len(outputs) == len(executed) == len(errors)):
        return None
    return CachedRun(outputs, executed, errors, notes, files)


def _save_data(path: Path, signature: str, data) -> None:
    """Plain data to a file (never pickle: a cache file a lesson ships cannot run code)."""
    save_data(path, KIND, signature, data)


def _load_data(path: Path, signature: str):
    return load_data(path, KIND, signature)


def load(folder: Path, key: str) -> CachedRun | None:
    data = _load_data(folder / f"{key}.msgpack", key)
    return from_data(data) if data is not None else None


def store(folder: Path, key: str, run: CachedRun) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _save_data(folder / f"{key}.msgpack", key, to_data(run))
