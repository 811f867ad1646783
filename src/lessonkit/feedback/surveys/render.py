"""The impact report as a self-contained HTML file (inline CSS and SVG, nothing fetched) and as PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import jinja2

from lessonkit.feedback.surveys import svg
from lessonkit.feedback.surveys.report import Report

_PACKAGE = resources.files("lessonkit.feedback.surveys")
env = jinja2.Environment(
    loader=jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(_PACKAGE / "templates")),
        jinja2.FileSystemLoader(str(resources.files("lessonkit.feedback") / "templates")),
    ]),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(diverging=svg.diverging, recommend_chart=svg.recommend_chart, bars=svg.bars)


def css() -> str:
    return (_PACKAGE / "static" / "report.css").read_text(encoding="utf-8")


def report_html(report: Report, made: datetime | None = None) -> str:
    """The report as one offline HTML file: no scripts, no links to other files, no remote assets."""
    made = made or datetime.now(UTC)
    return env.get_template("report_standalone.html").render(report=report, css=css(),
                                                             made=made.strftime("%Y-%m-%d %H:%M UTC"))


def report_pdf(report: Report, made: datetime | None = None) -> bytes:
    """The report as PDF, through WeasyPrint (the ``workshop`` extra); nothing is fetched."""
    try:
        import weasyprint
    except ImportError as exc:
        raise RuntimeError("a PDF report needs WeasyPrint: pip install 'lessonkit[workshop]'") from exc
    except OSError as exc:  # WeasyPrint without its Pango libraries
        raise RuntimeError(f"WeasyPrint cannot load its system libraries ({exc}); "
                           "install Pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0)") from exc

    def refuse(url: str, *args, **kwargs):
        raise ValueError(f"the report fetches nothing: {url}")

    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint 66 and later
        fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    else:
        fetcher = refuse
    return weasyprint.HTML(string=report_html(report, made), url_fetcher=fetcher).write_pdf()
