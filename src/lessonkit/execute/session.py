"""One Jupyter kernel (IRkernel or ipykernel) driven chunk by chunk, with a time limit per request.

``nbclient`` runs whole notebooks; knitr-style execution needs more control: code decided
between chunks (options set by earlier chunks, inline expressions), two kernels at once
for an episode mixing R and Python, and the kernel started in the build copy with a
minimal environment. This is that small driver, on ``jupyter_client``.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


class KernelDied(Exception):
    """The kernel process ended (``quit()``, a crash, running out of memory)."""


class Timeout(Exception):
    """The request did not finish in time; the kernel was interrupted."""


@dataclass
class Reply:
    outputs: list[dict] = field(default_factory=list)  # nbformat-style outputs
    status: str = "ok"  # ok | error
    error: dict | None = None  # ename, evalue, traceback


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Linux: the kernel gets SIGKILL when the thread that started it ends, so that a build that
    is killed (Ctrl-C twice, a CI timeout) leaves no R session running. IRkernel, unlike
    ipykernel, does not watch its parent."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Session:
    def __init__(self, kernel_name: str, cwd: Path, env: dict[str, str], startup_timeout: float = 120):
        from jupyter_client.manager import KernelManager

        self.kernel_name = kernel_name
        self.manager = KernelManager(kernel_name=kernel_name)
        extra = {"preexec_fn": _die_with_parent} if sys.platform.startswith("linux") else {}
        # The kernel's own log lines would mix with the build's output.
        self.manager.start_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  **extra)
        self.client = self.manager.client()
        self.client.start_channels()
        try:
            self.client.wait_for_ready(timeout=startup_timeout)
        except Exception as exc:
            self.close()
            raise KernelDied(f"the {kernel_name} kernel did not start: {exc}") from exc

    def execute(self, code: str, timeout: float) -> Reply:
        """Run ``code``; raise :class:`Timeout` or :class:`KernelDied`."""
        client = self.client
        msg_id = client.execute(code, store_history=False, allow_stdin=False, stop_on_error=False)
        reply = Reply()
        deadline = time.monotonic() + timeout
        idle = False
        while not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._interrupt()
                raise Timeout()
            try:
                message = client.get_iopub_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not self.manager.is_alive():
                    raise KernelDied("the kernel stopped") from None
                continue
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            content = message["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind in ("stream", "display_data", "execute_result"):
                reply.outputs.append({"output_type": kind, **content})
            elif kind == "error":
                reply.outputs.append({"output_type": "error", **content})
                reply.status, reply.error = "error", content
            elif kind == "clear_output":
                reply.outputs.clear()
        if not self.manager.is_alive():
            raise KernelDied("the kernel stopped")
        return reply

    def _interrupt(self) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.manager.interrupt_kernel()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.stop_channels()
        with contextlib.suppress(Exception):
            self.manager.shutdown_kernel(now=True)
