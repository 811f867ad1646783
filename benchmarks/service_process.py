"""The feedback service in a subprocess, for the load benchmarks (``feedback_load.py``,
``registration_load.py``): started, SIGKILLed and restarted on the same port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """``lessonkit service serve`` in a subprocess of its own session, so that a SIGKILL reaches it and
    every worker process; a restart uses the same port, so clients find it again."""

    def __init__(self, db_url: str, port: int, log: Path, arguments: list[str]) -> None:
        self.db_url, self.port, self.log, self.arguments = db_url, port, log, arguments
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "lessonkit", "service", "serve", "--db", self.db_url, "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning", *self.arguments]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode}; see {self.log}:\n"
                                   + self.log.read_text()[-2000:])
            try:
                health = httpx.get(self.url + "/api/v1/health", timeout=1)
                if health.status_code == 200 and health.json().get("database") == self.db_url.split(":")[0]:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # polling a server that is starting (a benchmark, not a test)
        raise RuntimeError("the service did not answer within 60 s")

    def worker_cpu(self) -> dict[int, float]:
        """CPU seconds used so far by each process under the server (its workers), from ``/proc`` (Linux)."""
        assert self.process is not None
        ticks = os.sysconf("SC_CLK_TCK")
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            parents[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
        under: set[int] = set()
        frontier = {self.process.pid}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - under
            under |= frontier
        return {pid: cpu[pid] for pid in under}

    def kill(self) -> None:
        """SIGKILL to the server and all its workers at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
