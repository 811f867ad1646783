"""Running one episode's chunks, in order, in one Jupyter kernel (nbclient)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.execute.outputs import from_jupyter
from lessonkit.model import Output


@dataclass
class ChunkResult:
    outputs: list[Output] = field(default_factory=list)
    executed: bool = False
    error: str | None = None  # "NameError: name 'x' is not defined", when the chunk raised
    timed_out: bool = False


@dataclass
class EpisodeRun:
    results: list[ChunkResult]
    cells: int = 0  # cells the kernel actually ran
    seconds: float = 0.0
    failure: str | None = None  # the kernel could not be started or died


def run_chunks(codes: list[tuple[str, bool]], kernel_name: str, cwd: Path, timeout: int,
               env: dict[str, str] | None = None) -> EpisodeRun:
    """Run ``codes`` (code, should it run) in a new kernel started in ``cwd`` with the environment
    ``env`` (default: this process's); one result per chunk, in order."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    started = time.perf_counter()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code) for code, _ in codes]
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            startup_timeout=120, resources={"metadata": {"path": str(cwd)}})
    results: list[ChunkResult] = []
    run = EpisodeRun(results)
    try:
        client.reset_execution_trackers()
        # The kernel's own log lines would mix with the build's output.
        extra = {"env": env} if env is not None else {}
        with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **extra):
            for index, (cell, (_, should_run)) in enumerate(zip(notebook.cells, codes, strict=True)):
                if not should_run or not cell.source.strip():
                    results.append(ChunkResult())
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    results.append(ChunkResult(_outputs(cell), executed=True, timed_out=True,
                                               error=f"did not finish within {timeout} s"))
                    run.cells += 1
                    break
                except DeadKernelError as exc:
                    results.append(ChunkResult(_outputs(cell), executed=True, error=f"the kernel died: {exc}"))
                    run.cells += 1
                    run.failure = "the kernel died"
                    break
                run.cells += 1
                outputs = _outputs(cell)
                error = next((o.caption for o in outputs if o.kind == "error"), None)
                results.append(ChunkResult(outputs, executed=True, error=error))
    except Exception as exc:  # no such kernel, kernel failed to start, ...
        run.failure = f"{type(exc).__name__}: {exc}".strip()
    while len(results) < len(codes):
        results.append(ChunkResult())
    run.seconds = time.perf_counter() - started
    return run


def _outputs(cell) -> list[Output]:
    return [o for o in (from_jupyter(dict(output)) for output in cell.get("outputs", [])) if o is not None]
