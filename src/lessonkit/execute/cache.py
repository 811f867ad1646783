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
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lessonkit import codec
from lessonkit.cache import load_data, save_data
from lessonkit.model import CodeChunk, Output

DATA_FOLDERS = ("data", "files")
VERSION = 1


@lru_cache(maxsize=8)
def environment_signature(kernel_name: str) -> str:
    """Kernel name, kernel interpreter and installed package versions."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(kernel_name.encode())
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec(kernel_name)
        digest.update(" ".join(spec.argv).encode())
        executable = Path(spec.argv[0])
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


def episode_key(kernel_name: str, chunks: list[CodeChunk], files: list[Path], timeout: int) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"v{VERSION}\x1f{environment_signature(kernel_name)}\x1f{timeout}".encode())
    for chunk in chunks:
        digest.update(b"\x1e" + chunk.engine.encode() + b"\x1f" + chunk.code.encode("utf-8", "surrogatepass"))
        digest.update(repr((chunk.option("eval", True), chunk.option("error", False))).encode())
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


def load(folder: Path, key: str) -> CachedRun | None:
    data = load_data(folder / f"{key}.msgpack", "exec", f"v{VERSION}")
    try:
        value = codec.decode(data, codec.types(CachedRun)) if data is not None else None
    except codec.DecodeError:
        return None
    return value if isinstance(value, CachedRun) else None


def store(folder: Path, key: str, run: CachedRun) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    save_data(folder / f"{key}.msgpack", "exec", f"v{VERSION}", codec.encode(run))
