"""``lessonkit serve``."""

from __future__ import annotations

import errno
import sys
import threading
from pathlib import Path

import click
from rich.console import Console

from lessonkit.build import Builder, BuildOptions, BuildResult, default_output
from lessonkit.cli.execution import execution_options, execution_summary
from lessonkit.execute import ExecutionOptions
from lessonkit.reporting import print_diagnostics, summary


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: PATH/site).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--no-watch", is_flag=True, help="Serve the site without watching for changes.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors when building.")
@execution_options
def serve(path: Path, out: Path | None, host: str, port: int, no_watch: bool, strict: bool,
          execution: ExecutionOptions) -> None:
    """Build the lesson (or folder of lessons) at PATH, serve it on localhost, and
    rebuild what changed whenever a file is saved; open pages reload themselves.

    Press Ctrl+C to stop.
    """
    from lessonkit.serve import Server, watch

    console = Console(stderr=True)
    out = out or default_output(path)
    builder = Builder(path, BuildOptions(out=out, strict=strict, persist=False, execution=execution))

    result = builder.build()
    _report(console, result, True)
    builder.save_caches()
    if not result.ok and not (out / "index.html").is_file():
        console.print("Nothing to serve: fix the errors above and run the command again.")
        sys.exit(1)
    server = _listen(Server, out, host, port)
    console.print(f"Serving [bold]{server.url}[/bold] — press Ctrl+C to stop.", highlight=False)

    stop = threading.Event()

    def rebuild(changed: set[str]) -> None:
        names = ", ".join(sorted(Path(p).name for p in changed)[:3]) + ("…" if len(changed) > 3 else "")
        console.print(f"[dim]changed: {names}[/dim]", highlight=False)
        outcome = builder.build()
        _report(console, outcome, False)
        if outcome.ok:
            server.hub.bump()

    try:
        if no_watch:
            threading.Event().wait()
        else:
            watch(path.resolve(), out, rebuild, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.stop()
        builder.save_caches()
        console.print("Stopped.")


def _report(console, result: BuildResult, first: bool) -> None:
    print_diagnostics(console, result.diagnostics, limit=50)
    if result.ok:
        what = "Built" if first else "Rebuilt"
        console.print(f"[green]{what}[/green] {result.html_pages} pages in {result.seconds * 1000:.0f} ms "
                      f"({result.pages_rendered} rendered; {summary(result.diagnostics)}).", highlight=False)
        if result.execution.cells_executed:
            console.print(execution_summary(result.execution), highlight=False)
    else:
        console.print(f"[bold red]Build failed[/bold red] ({summary(result.diagnostics)}); "
                      "still serving the previous version.", highlight=False)


def _listen(server_class, out: Path, host: str, port: int):
    try:
        return server_class(out.resolve(), host, port).start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.UsageError(f"port {port} is already in use; choose another with --port") from exc
        raise click.UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
