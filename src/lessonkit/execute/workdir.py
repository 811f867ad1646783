"""The build copy and the kernels' environment.

Code never runs in the lesson's source folders. Each build that runs code copies the
folders holding executable pages (``episodes/`` with its ``data/``, ``files/``, ``fig/``, ...)
into a fresh working folder outside the lesson, as sandpaper renders in ``site/built``,
and starts every kernel and shell there, with a minimal environment:

* only the variables in :data:`ALLOWED` (and those named in ``LESSONKIT_PASS_ENV``,
  comma-separated) are passed on: no tokens, keys or passwords from the build's environment;
* ``HOME`` is a private folder inside the build copy, so start-up files and credentials in
  the real home folder (``~/.Renviron``, ``~/.netrc``, ``~/.aws``, ...) are not read;
  R and Python still find the packages installed for the user (``R_LIBS_USER``,
  ``PYTHONUSERBASE`` point at the real locations);
* the numerical libraries' thread pools (OpenBLAS, MKL, OpenMP, numexpr) get the build's share of
  the cores (:data:`THREAD_VARIABLES`), unless the environment sets them: the kernels of a build
  run side by side, and each library's default of one thread per core made them fight for the
  cores (a cross-validation of a small network took 39 s instead of 11 s with one other busy
  process on two cores), as joblib and loky limit their workers' threads for the same reason.

Files the code writes under the copy's ``fig/``, ``files/``, ``data/`` or ``code/`` folders
that a page links to are published with the site; the copy is deleted after the build.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from lessonkit.cache import CACHE_DIR_NAME

#: Environment variables passed on to kernels and shells (everything else is dropped).
ALLOWED = (
    "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MESSAGES",
    "TZ", "TMPDIR", "USER", "LOGNAME", "TERM",
    "R_HOME", "R_LIBS", "R_LIBS_SITE", "R_LIBS_USER",
    "VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH", "LD_LIBRARY_PATH",
    "SSL_CERT_FILE", "SSL_CERT_DIR",
)
#: The thread-pool sizes of the numerical libraries kernels load (see the module's documentation).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS")
PASS_VARIABLE = "LESSONKIT_PASS_ENV"
ASSET_FOLDERS = ("fig", "files", "data", "code")
SKIP = {CACHE_DIR_NAME, ".git", "site", "__pycache__", ".ipynb_checkpoints"}


def kernel_environment(copy: Path, cache: Path, source: dict[str, str] | None = None,
                       threads: int = 1) -> dict[str, str]:
    """The environment kernels and shells run with (see the module's documentation); ``threads``: the
    numerical libraries' threads for each kernel, where the environment does not say."""
    source = dict(os.environ if source is None else source)
    names = set(ALLOWED) | set(THREAD_VARIABLES)
    names.update(n.strip() for n in source.get(PASS_VARIABLE, "").split(",") if n.strip())
    env = {name: source[name] for name in sorted(names) if name in source}
    env.setdefault("PATH", os.defpath)
    real_home = source.get("HOME") or str(Path.home())
    home = copy / ".home"
    home.mkdir(parents=True, exist_ok=True)
    env["HOME"] = str(home)
    env.setdefault("R_LIBS_USER", f"{real_home}/R/%p-library/%v")
    env["PYTHONUSERBASE"] = source.get("PYTHONUSERBASE") or f"{real_home}/.local"
    # matplotlib's font cache takes seconds to build: keep using the user's.
    env["MPLCONFIGDIR"] = source.get("MPLCONFIGDIR") or f"{real_home}/.config/matplotlib"
    for name in THREAD_VARIABLES:
        env.setdefault(name, str(max(1, threads)))
    env["LESSONKIT_BUILD"] = "1"
    return env


def make_copy(root: Path, folders: list[str]) -> Path:
    """A fresh build copy of ``folders`` of the lesson (outside the lesson); returns its root."""
    copy = Path(tempfile.mkdtemp(prefix="lessonkit-built-")) / "lesson"
    copy.mkdir()
    resolved_root = root.resolve()
    for folder in sorted(set(folders)):
        source = root / folder
        target = copy / folder
        target.mkdir(parents=True, exist_ok=True)
        if folder == ".":
            continue  # pages at the top of the lesson: only the folder itself
        if not source.is_dir():
            continue
        for directory, subdirs, files in os.walk(source):
            subdirs[:] = [d for d in subdirs if d not in SKIP and not d.startswith(".")]
            rel = Path(directory).relative_to(source)
            (target / rel).mkdir(parents=True, exist_ok=True)
            for name in files:
                path = Path(directory) / name
                try:
                    real = path.resolve()
                    # Never copy (and so never let code read) a file that a link points outside the lesson.
                    if not real.is_relative_to(resolved_root) or not real.is_file():
                        continue
                    shutil.copy2(real, target / rel / name)
                except OSError:
                    continue
    return copy


def remove_copy(copy: Path) -> None:
    shutil.rmtree(copy.parent, ignore_errors=True)


def snapshot(folder: Path, skip: set[str] | None = None) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: relative path -> (size, mtime in ns)."""
    skip = SKIP if skip is None else skip
    found: dict[str, tuple[int, int]] = {}
    if not folder.is_dir():
        return found
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = [d for d in subdirs if d not in skip]
        for name in files:
            path = Path(directory) / name
            try:
                st = path.lstat()
            except OSError:
                continue
            found[path.relative_to(folder).as_posix()] = (st.st_size, st.st_mtime_ns)
    return found


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """Files created, changed or deleted between two snapshots."""
    return sorted({p for p in after if before.get(p) != after[p]} | {p for p in before if p not in after})


def written_assets(copy: Path, before: dict[str, tuple[int, int]]) -> dict[str, Path]:
    """Files the code wrote under an asset folder of the copy: source path -> file in the copy."""
    after = snapshot(copy, skip={".home"})
    found: dict[str, Path] = {}
    for rel in changed(before, after):
        parts = rel.split("/")
        if rel in after and len(parts) >= 3 and parts[1] in ASSET_FOLDERS:
            found[rel] = copy / rel
    return found
