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
        shown = _show_at_once(builder, server, changed)
        try:
            outcome = builder.build()
        finally:
            server.overlay.clear()
        _report(console, outcome, False)
        if outcome.ok:
            server.hub.bump(_reload_paths(outcome, shown, out))
        elif shown:
            server.hub.bump(sorted(shown))  # the build failed: back to the pages still published

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


#: Files a build rewrites that no open page shows (the search index is read when a search is made).
PAGE_DATA = frozenset({"sitemap.xml", "lesson.jsonld", "assets/search-index.js"})


def _show_at_once(builder: Builder, server, changed: set[str]) -> dict[str, bytes]:
    """When one page was saved: its new HTML, served (and the open page reloaded) while the whole build
    runs, as Hugo's fast render does; the other pages follow when the build is done."""
    try:
        shown = dict(builder.preview(changed))
    except Exception:  # the preview is an optimisation: the whole build that follows reports any problem
        return {}
    if shown:
        server.overlay.update(shown)
        server.hub.bump(sorted(shown))
    return shown


def _reload_paths(result: BuildResult, shown: dict[str, bytes], out: Path) -> list[str] | None:
    """The site paths the build changed that a browser shows (None: any), less the pages already shown
    as the build wrote them."""
    if len(result.lessons) != 1 or result.lessons[0].site is None:
        return None  # a catalogue: its own pages are not counted
    written = result.lessons[0].site.written
    if any(not p.endswith(".html") and p not in PAGE_DATA for p in written):
        return None  # a stylesheet, a script or a figure: any page may look different
    paths = []
    for rel in written:
        if rel in shown:
            try:
                if (out / rel).read_bytes() == shown[rel]:
                    continue
            except OSError:
                pass
        paths.append(rel)
    return paths


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
