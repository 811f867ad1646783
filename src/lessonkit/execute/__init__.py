"""Executable episodes: running code chunks at build time in Jupyter kernels, with a cache.

``execute_lesson`` fills ``CodeChunk.outputs`` in the lesson model; the site
renderer shows them under their chunks, and ``notebook`` turns executable
episodes into downloadable notebooks and scripts.
"""

from lessonkit.execute.runner import ExecutionOptions, ExecutionReport, execute_lesson

__all__ = ["ExecutionOptions", "ExecutionReport", "execute_lesson"]
