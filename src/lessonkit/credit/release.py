"""``lessonkit release``: check strictly, build, and write a versioned archive ready to deposit.

A release of the lesson ``NAME`` at version ``X`` is a folder ``OUT/NAME-X/`` (for a catalogue,
one per lesson and ``OUT/catalogue-X.jsonld``, the harvestable list of its lessons) holding

* ``NAME-X.zip``: ``NAME-X/source/`` (the lesson's files, without caches, built sites and
  earlier releases), ``NAME-X/site/`` (the built website) and the metadata files below;
* ``CITATION.cff``, ``.zenodo.json``, ``codemeta.json`` and ``lesson.jsonld``, each carrying
  the version and release date, each validated against its schema before anything is written.

The lesson's own ``CITATION.cff`` and ``.zenodo.json`` are rewritten with the release's
metadata, so the repository and the deposit agree.  A release is refused (nothing written)
when the lesson has any error or warning, or when the version was already released.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lessonkit.diagnostics import Diagnostic, Report, Severity

VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")
EXCLUDED = {".lessonkit", ".git", "site", "releases", "__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
#: The author ``lessonkit new`` names when it is given none (``create_lesson``'s default): a release
#: refuses to deposit a lesson whose only author is still this placeholder.
PLACEHOLDER_AUTHOR = "The lesson authors"
#: Rewritten by the release from contributors.yaml, so a stale copy does not block it.
REGENERATED_RULES = {"credit-metadata-mismatch"}


@dataclass
class ReleaseResult:
    ok: bool
    folder: Path | None = None
    archive: Path | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # metadata files written
    folders: list[Path] = field(default_factory=list)  # one per lesson released


def validate_exports(files: dict[str, dict]) -> list[str]:
    """Problems of the exports against their schemas (empty when all are valid)."""
    from jsonschema import Draft7Validator, Draft202012Validator

    from lessonkit.credit.yamlfile import schema

    problems = []
    checks = {"CITATION.cff": (Draft7Validator, "cff-1.2.0.schema.json"),
              ".zenodo.json": (Draft202012Validator, "zenodo-deposit.schema.json"),
              "lesson.jsonld": (Draft202012Validator, "training-material.schema.json")}
    for name, data in files.items():
        if name not in checks:
            continue
        validator_class, schema_name = checks[name]
        for error in validator_class(schema(schema_name)).iter_errors(data):
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{name}: {where}: {error.message}")
    return problems


@dataclass
class _Prepared:
    root: Path
    folder: Path  # where the release goes
    staged: Path  # the release, complete, in a temporary folder beside it
    texts: dict[str, str]
    meta: object
    diagnostics: list[Diagnostic]


def release(path: Path, version: str, out: Path | None = None, date: str = "", execution=None,
            write_back: bool = True) -> ReleaseResult:
    """Release the lesson at ``path``, or every lesson of the catalogue at ``path`` (all or none:
    every lesson is checked and built before anything is written)."""
    from lessonkit.build import _prefixed, find_lessons

    source = path.resolve()
    report = Report()
    if not VERSION.match(version):
        report.error(".", 0, "release-version", f"{version!r} is not a version",
                     "Use letters, digits, dots and dashes, e.g. --version 1.0.0 or --version 2026.12")
        return ReleaseResult(False, diagnostics=report.sorted())
    date = date or dt.date.today().isoformat()
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        report.error(".", 0, "release-version", f"{date!r} is not a date", "Use --date YYYY-MM-DD.")
        return ReleaseResult(False, diagnostics=report.sorted())
    roots = find_lessons(source) or [source]
    catalogue = roots != [source]
    out = (out or source / "releases").resolve()
    prepared: list[_Prepared] = []
    try:
        for root in roots:
            found = _prepare(root, version, date, out, execution)
            if isinstance(found, list):
                return ReleaseResult(False, diagnostics=_prefixed(found, f"{root.name}/" if catalogue else ""))
            prepared.append(found)
        out.mkdir(parents=True, exist_ok=True)
        files: list[str] = []
        for item in prepared:
            os.replace(item.staged, item.folder)
            files = sorted(item.texts)
        if catalogue:
            from lessonkit.credit import exports

            listing = out / f"catalogue-{version}.jsonld"
            listing.write_text(exports.dumps(exports.catalogue_jsonld([p.meta for p in prepared])), encoding="utf-8")
        if write_back:
            for item in prepared:
                for key in ("CITATION.cff", ".zenodo.json"):
                    (item.root / key).write_text(item.texts[key], encoding="utf-8")
    finally:
        for item in prepared:
            shutil.rmtree(item.staged.parent, ignore_errors=True)
    diagnostics = [d for item in prepared for d in item.diagnostics]
    first = prepared[0]
    return ReleaseResult(True, first.folder if not catalogue else out, first.folder / f"{first.folder.name}.zip",
                         diagnostics, files, [p.folder for p in prepared])


def _prepare(root: Path, version: str, date: str, out: Path, execution) -> _Prepared | list[Diagnostic]:
    """Check, build and stage one lesson's release; its diagnostics when it is refused."""
    from lessonkit.build import Builder, BuildOptions
    from lessonkit.credit.metadata import lesson_metadata
    from lessonkit.execute import ExecutionOptions
    from lessonkit.readers import read_lesson

    lesson = read_lesson(root)
    folder = out / f"{lesson.name}-{version}"
    if lesson.format == "unknown":
        return list(lesson.report.sorted())
    refused = _already_released(lesson, root, folder, version)
    if refused:
        return refused
    work = Path(tempfile.mkdtemp(prefix=".release-", dir=_temp_parent(out)))
    keep = False
    try:
        options = BuildOptions(out=work / "site", strict=False, persist=False,
                               execution=execution or ExecutionOptions())
        result = Builder(root, options).build()
        diagnostics = [d for d in result.diagnostics if d.rule not in REGENERATED_RULES]
        blocking = [d for d in diagnostics if d.severity >= Severity.WARNING]
        if blocking or not result.ok:
            return diagnostics or result.diagnostics
        meta = lesson_metadata(lesson, version=version, date=date)
        placeholder = _placeholder_authors(root, meta)
        if placeholder:
            return placeholder
        texts = _export_texts(meta)
        if isinstance(texts, list):
            return texts
        staged = work / "release"
        staged.mkdir()
        for key, text in texts.items():
            (staged / key).write_text(text, encoding="utf-8")
        _bundle(staged / f"{lesson.name}-{version}.zip", f"{lesson.name}-{version}", root, out, work / "site", texts)
        keep = True
        return _Prepared(root, folder, staged, texts, meta, diagnostics)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _placeholder_authors(root: Path, meta) -> list[Diagnostic]:
    """An error when the only authors are the placeholder ``lessonkit new`` writes: a deposit
    would credit nobody (Zenodo and DataCite would list "The lesson authors" as the creator)."""
    if not meta.authors or any(p.name.strip().casefold() != PLACEHOLDER_AUTHOR.casefold() for p in meta.authors):
        return []
    where = "contributors.yaml" if (root / "contributors.yaml").is_file() else "CITATION.cff"
    line = 0
    try:
        lines = (root / where).read_text(encoding="utf-8").splitlines()
        line = next((n for n, text in enumerate(lines, 1) if PLACEHOLDER_AUTHOR.casefold() in text.casefold()), 0)
        if not line and where == "contributors.yaml":  # lessonkit new's 'people: []': where to name them
            line = next((n for n, text in enumerate(lines, 1) if text.startswith("people:")), 0)
    except (OSError, UnicodeDecodeError):
        pass
    report = Report()
    report.error(where, line, "release-placeholder-authors",
                 f"the lesson's only author is the placeholder {PLACEHOLDER_AUTHOR!r} that lessonkit new writes, "
                 "so the release would credit nobody",
                 "Name the people who made the lesson in contributors.yaml (people: with name, ORCID and CRediT "
                 "roles; see docs/credit.md), then release again.")
    return report.sorted()


def _already_released(lesson, root: Path, folder: Path, version: str) -> list[Diagnostic]:
    """An error when this version was released already (a published version is never overwritten)."""
    from lessonkit.credit.metadata import read_cff

    report = Report()
    if folder.exists():
        report.error(str(folder), 0, "release-exists",
                     f"version {version} of {lesson.name} was already released ({folder})",
                     "Choose a new --version; a published version is never overwritten.")
    elif str(read_cff(lesson).get("version") or "") == version and (root / ".zenodo.json").is_file():
        report.error("CITATION.cff", 0, "release-exists",
                     f"CITATION.cff and .zenodo.json already describe version {version}",
                     "Choose a new --version; a published version is never overwritten.")
    return report.sorted()


def _export_texts(meta) -> dict[str, str] | list[Diagnostic]:
    """The release's metadata files (validated against their schemas), or the diagnostics of what is wrong."""
    from lessonkit.credit import exports

    data = {"CITATION.cff": exports.citation_cff(meta), ".zenodo.json": exports.zenodo(meta),
            "codemeta.json": exports.codemeta(meta), "lesson.jsonld": exports.training_material(meta)}
    problems = validate_exports(data)
    if problems:
        report = Report()
        for problem in problems:
            report.error(problem.split(":", 1)[0], 0, "release-metadata", problem,
                         "Correct contributors.yaml or config.yaml so that the metadata is complete.")
        return report.sorted()
    texts = {"CITATION.cff": exports.citation_cff_text(meta)}
    for key in (".zenodo.json", "codemeta.json", "lesson.jsonld"):
        texts[key] = exports.dumps(data[key])
    return texts


def _bundle(path: Path, base: str, root: Path, out: Path, site: Path, texts: dict[str, str]) -> None:
    """The release archive: the lesson's sources (with the new citation files), the metadata and the site."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for file in _source_files(root, out):
            rel = file.relative_to(root).as_posix()
            if rel in texts:
                continue
            bundle.write(file, f"{base}/source/{rel}")
        for key, text in texts.items():
            bundle.writestr(f"{base}/{key}", text)
            if key in ("CITATION.cff", ".zenodo.json"):
                bundle.writestr(f"{base}/source/{key}", text)
        for file in sorted(site.rglob("*")):
            if file.is_file():
                bundle.write(file, f"{base}/site/{file.relative_to(site).as_posix()}")


def _temp_parent(out: Path) -> Path:
    """A folder on the same file system as ``out`` (so the release appears in one rename)."""
    parent = out
    while not parent.exists():
        parent = parent.parent
    return parent


def _source_files(root: Path, out: Path) -> list[Path]:
    files = []
    for current, folders, names in os.walk(root):
        here = Path(current)
        folders[:] = sorted(f for f in folders if f not in EXCLUDED and (here / f).resolve() != out
                            and not f.startswith(".release-"))
        for file_name in sorted(names):
            file = here / file_name
            if file.is_file() and not file.is_symlink():
                files.append(file)
    return files

