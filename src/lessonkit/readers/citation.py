"""How to cite a lesson: CITATION.cff (Citation File Format) or a plain CITATION file."""

from __future__ import annotations

from pathlib import Path

from lessonkit.diagnostics import Report
from lessonkit.markdown.frontmatter import load_yaml
from lessonkit.model import Citation
from lessonkit.readers.sources import read_text


def _person(entry: object) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    if entry.get("name"):
        return str(entry["name"])
    given = str(entry.get("given-names", "")).strip()
    family = " ".join(str(entry.get(k, "")).strip() for k in ("name-particle", "family-names") if entry.get(k))
    return " ".join(part for part in (given, family) if part)


def read_citation(root: Path, report: Report) -> Citation | None:
    cff = root / "CITATION.cff"
    if cff.is_file():
        read = read_text(cff, "CITATION.cff", report)
        data = load_yaml(read[0], "CITATION.cff", report) if read else None
        if isinstance(data, dict):
            preferred = data.get("preferred-citation") if isinstance(data.get("preferred-citation"), dict) else {}
            source = preferred or data
            authors = [a for a in (_person(p) for p in source.get("authors") or [] if p) if a]
            title = str(source.get("title") or data.get("title") or "").strip()
            date = str(source.get("date-released") or data.get("date-released") or source.get("year") or "")
            year = date[:4] if date[:4].isdigit() else ""
            doi = str(source.get("doi") or data.get("doi") or "").strip()
            url = str(source.get("url") or data.get("url") or data.get("repository-code") or "").strip()
            names = ", ".join(authors[:10]) + (" et al." if len(authors) > 10 else "")
            pieces = [p for p in (names, f"({year})" if year else "", f"{title}." if title else "") if p]
            text = " ".join(pieces)
            if doi:
                text += f" https://doi.org/{doi}"
            elif url:
                text += f" {url}"
            return Citation(text.strip(), authors, title, year, doi, url, "CITATION.cff")
        if data is not None:
            report.warning("CITATION.cff", 1, "citation-format", "CITATION.cff is not a YAML mapping",
                           "See https://citation-file-format.github.io/ for the format.")
    plain = root / "CITATION"
    if plain.is_file():
        read = read_text(plain, "CITATION", report)
        if read and read[0].strip():
            return Citation(" ".join(read[0].split()), source="CITATION")
    return None
