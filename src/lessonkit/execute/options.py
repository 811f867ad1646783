"""What a build asks of execution, and what decides whether code must run again — light enough
for a no-change build to import (no kernels, no model, no thread pools)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.diagnostics import Diagnostic

PYTHON = {"python", "python3", "py", "ipython"}
R = {"r"}
IRKERNEL = "ir"
NO_EXECUTE = "LESSONKIT_NO_EXECUTE"
R_KERNEL = "LESSONKIT_R_KERNEL"

INSTALL_R = (
    "Install R and IRkernel, then build again. Debian/Ubuntu: sudo apt-get install r-base-core r-cran-irkernel "
    "(and the r-cran-* packages the lesson loads, e.g. r-cran-ggplot2). macOS: brew install r, then in R: "
    "install.packages('IRkernel'); IRkernel::installspec(). Windows: install R from https://cran.r-project.org, "
    "then in R: install.packages('IRkernel'); IRkernel::installspec(). Without R, --prerendered FOLDER shows the "
    "outputs sandpaper rendered (its md-outputs branch checked out, or site/built)."
)


@dataclass
class ExecutionOptions:
    enabled: bool = True
    timeout: int = 120  # seconds per chunk
    jobs: int | None = None  # kernels at once (default: one per core, at most 4)
    kernel: str = "python3"
    keep_going: bool = False  # report failing chunks as warnings instead of errors
    r_kernel: str | None = None  # the Jupyter kernel for R (default: $LESSONKIT_R_KERNEL or "ir")
    prerendered: Path | None = None  # sandpaper's rendered Markdown (md-outputs, site/built) to show without R


@dataclass
class ExecutionReport:
    episodes: int = 0  # pages with executable chunks
    episodes_executed: int = 0  # ... run in a kernel by this build
    episodes_cached: int = 0  # ... taken from the cache
    cells_executed: int = 0
    cells_cached: int = 0
    chunks: int = 0  # executable chunks in the lesson(s)
    prerendered: int = 0  # chunks shown with outputs rendered by sandpaper
    disabled: str = ""  # why nothing ran: "--no-execute" or "LESSONKIT_NO_EXECUTE=1"
    seconds: float = 0.0
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def merge(self, other: ExecutionReport) -> None:
        for name in ("episodes", "episodes_executed", "episodes_cached", "cells_executed", "cells_cached", "chunks",
                     "prerendered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.disabled = self.disabled or other.disabled
        self.seconds += other.seconds
        self.diagnostics.extend(other.diagnostics)


def kernel_available(name: str) -> bool:
    """Whether a Jupyter kernel spec of that name is installed (looked up in Jupyter's data
    folders directly: much faster than asking jupyter_client for every kernel)."""
    try:
        from jupyter_core.paths import jupyter_path

        return any((Path(folder) / name / "kernel.json").is_file() for folder in jupyter_path("kernels"))
    except Exception:
        return False


def execution_signature(options: ExecutionOptions, folder: Path | None = None) -> str:
    """What, besides the lesson's files, decides what code runs and what it outputs: the R kernel
    (and whether it is installed), R's and Python's installed packages. A build whose lesson did
    not change is still not "unchanged" when this changed (R installed, ggplot2 upgraded)."""
    if not options.enabled or no_execute_requested():
        return "no-execute"
    r_kernel = options.r_kernel or os.environ.get(R_KERNEL) or IRKERNEL
    parts = [r_kernel, _cache().environment_signature(options.kernel)]
    if kernel_available(r_kernel):
        parts.append(_cache().r_signature(r_kernel, folder))
    return "\x1f".join(parts)


def no_execute_requested(environ=None) -> bool:
    """Whether ``LESSONKIT_NO_EXECUTE`` asks for no code to run (any value but "", "0", "false", "no")."""
    value = (os.environ if environ is None else environ).get(NO_EXECUTE, "")
    return value.strip().lower() not in ("", "0", "false", "no")


def _cache():
    from lessonkit.execute import cache

    return cache


#: The fix of a chunk's error (R, Python or shell chunks, run now or re-reported from the cache).
ERROR_FIX = ("Fix the code, or add error=TRUE to the chunk's options if the error is meant to be shown "
             "(fail_on_error: false in config.yaml shows every chunk's error on the page, as sandpaper does, "
             "and reports it as a warning).")
