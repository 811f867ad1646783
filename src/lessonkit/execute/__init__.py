"""Executable episodes: running code chunks at build time in Jupyter kernels, with a cache.

``execute_lesson`` fills ``CodeChunk.outputs`` in the lesson model; the site
renderer shows them under their chunks, and ``notebook`` turns executable
episodes into downloadable notebooks and scripts.
"""

from lessonkit.execute.options import ExecutionOptions, ExecutionReport

__all__ = ["ExecutionOptions", "ExecutionReport", "execute_lesson"]


def __getattr__(name: str):
    if name == "execute_lesson":  # imported when used: a no-change build runs no code
        from lessonkit.execute.runner import execute_lesson

        return execute_lesson
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
