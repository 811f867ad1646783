"""Checking and rendering many pages on every core.

Pages are independent, so a clean build of a large lesson checks and renders
them in worker processes.  Workers are forked, so they inherit the lesson model
without copying it through a pipe; only the rendered HTML comes back.  Forking
is used only where it is safe (a platform with ``fork`` and a process with no
other threads, e.g. not inside ``serve``'s HTTP server); otherwise, and for
small batches, pages are rendered in this process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

# multiprocessing and concurrent.futures are imported only when workers start (a rebuild of one page
# renders in this process and does not pay for them).

MIN_PAGES = 48  # below this, starting workers costs more than it saves

_TASK: Callable[[int], Any] | None = None
_IN_WORKER = False


def in_worker() -> bool:
    """Whether this is a worker process of ``map_pages`` (what it returns travels through a pipe)."""
    return _IN_WORKER


def _start_worker() -> None:
    global _IN_WORKER
    _IN_WORKER = True
    gc.enable()  # the parent's collector is paused while it gathers; a worker collects its own garbage


def _run(indexes: Sequence[int]) -> list[Any]:
    assert _TASK is not None
    return [_TASK(i) for i in indexes]


def workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def map_pages(task: Callable[[int], Any], count: int, progress: Callable[[int], None] | None = None) -> list[Any]:
    """``[task(i) for i in range(count)]``, on several processes when worth it."""
    global _TASK
    jobs = workers()
    if count < MIN_PAGES or jobs < 2 or not can_fork():
        results = []
        for index in range(count):
            results.append(task(index))
            if progress is not None:
                progress(1)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _TASK = task
    try:
        # Small batches: with 8 per worker, the last batch ran alone for up to 0.96 s while the other
        # core idled (1,000 episodes); with 32 per worker that tail is 0.01-0.18 s.
        batch = max(4, count // (jobs * 32))
        batches = [list(range(start, min(start + batch, count))) for start in range(0, count, batch)]
        results: list[Any] = []
        context = multiprocessing.get_context("fork")
        # The lesson model the workers inherit is moved out of the collector's reach first (as the gc
        # module's documentation advises before a fork): their collections then never walk it, nor touch
        # (and so copy) the memory pages it is on. This process only gathers results meanwhile (objects that
        # live on): its collector is paused; the workers' is on.
        gc.freeze()
        with collector_paused(), ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                                     initializer=_start_worker) as pool:
            for done in pool.map(_run, batches):
                results.extend(done)
                if progress is not None:
                    progress(len(done))
        return results
    finally:
        _TASK = None
        gc.unfreeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while large, long-lived structures are built or gathered
    (each collection would walk all of them again, a cost that grows with the lesson), then as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

