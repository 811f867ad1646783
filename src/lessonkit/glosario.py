"""Glosario, the Carpentries' multilingual glossary: ``{{ glosario.slug }}`` in lesson text.

A lesson that sets ``glosario: true`` in config.yaml (as for the Workbench) writes
``{{ glosario.variable }}`` where a term should link to its Glosario entry; the page shows the term
in the page's language (English when Glosario has no translation), linked to
``https://glosario.carpentries.org/<lang>/#<slug>`` with the definition as its tooltip.  A slug
Glosario does not have stays plain text, and ``lessonkit check`` says which slugs are close.

Where the glossary comes from:

* ``glosario: true`` -- Glosario's ``glossary.yml``, downloaded at most once a week and kept, as
  plain data, in ``$XDG_CACHE_HOME/lessonkit/glosario/`` (so builds work offline once it has been
  fetched; ``LESSONKIT_OFFLINE=1`` never downloads).  The address is fixed (a lesson cannot make a
  build fetch another one); ``LESSONKIT_GLOSARIO_URL`` changes it for a mirror.
* ``glosario: path/in/the/lesson.yml`` -- a copy in the lesson, in Glosario's format (for pinned or
  offline builds); like every path of a lesson it must stay inside the lesson.

Without a glossary (never downloaded, no network) the links are still made, unchecked, and the
build warns once.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from lessonkit.diagnostics import Report

DEFAULT_URL = "https://raw.githubusercontent.com/carpentries/glosario/main/glossary.yml"
SITE = "https://glosario.carpentries.org"
URL_VARIABLE = "LESSONKIT_GLOSARIO_URL"
OFFLINE_VARIABLE = "LESSONKIT_OFFLINE"
MAX_AGE = 7 * 24 * 3600  # seconds before a downloaded glossary is fetched again
MAX_BYTES = 16 * 1024 * 1024  # Glosario's file is about 1 MB
TIMEOUT = 10.0  # seconds
CACHE_KIND = "glosario"
CACHE_LAYOUT = "1"
#: ``{{ glosario.slug }}``: what the Workbench replaces (a slug is letters, digits and ``_``).
PLACEHOLDER = re.compile(r"\{\{\s*glosario\.([A-Za-z0-9_]+)\s*\}\}")
RULE_FILE = "glosario-file"
RULE_UNAVAILABLE = "glosario-unavailable"


@dataclass
class Glosario:
    """The glossary: slug -> language -> (term, definition as written, Markdown)."""

    terms: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    origin: str = ""
    available: bool = True  # False: no glossary could be had, links are made unchecked
    digest: str = ""

    def knows(self, slug: str) -> bool:
        return not self.available or slug in self.terms

    def link_html(self, slug: str, written: str, lang: str) -> str:
        """The link for ``{{ glosario.slug }}`` (``written``) on a page in ``lang``."""
        word = slug.replace("_", " ")
        if not self.available:
            return _link(lang, slug, word)
        entry = self.terms.get(slug)
        if entry is None:
            return escape(word)  # as the Workbench: the term, unlinked
        language = lang if lang in entry else ("en" if "en" in entry else next(iter(entry)))
        term, definition = entry[language]
        extra = f' title="{escape(plain(definition))}"' if definition.strip() else ""
        if language != lang:
            extra += f' lang="{escape(language)}"'
        return _link(language, slug, term or slug, extra)

    def suggestions(self, slug: str) -> list[str]:
        import difflib

        return difflib.get_close_matches(slug.lower(), list(self.terms), n=3, cutoff=0.6)


class PageGlosario:
    """What the Markdown renderer asks (``env["glosario"]``): the glossary, in one page's language."""

    def __init__(self, glosario: Glosario, lang: str):
        self.glosario, self.lang = glosario, lang

    def link_html(self, slug: str, written: str) -> str:
        return self.glosario.link_html(slug, written, self.lang)


def _link(lang: str, slug: str, text: str, extra: str = "") -> str:
    return f'<a class="glosario" href="{SITE}/{escape(lang)}/#{escape(slug)}"{extra}>{escape(text)}</a>'


def plain(markdown: str) -> str:
    """A definition (Markdown) as tooltip text, read by the lesson's own parser: what a reader sees, one line."""
    from lessonkit.markdown.parser import inline_text, make_parser

    tokens = make_parser().parseInline(markdown, {})
    return " ".join(inline_text(tokens[0]).split()) if tokens else ""


def setting(extra: dict[str, Any]) -> bool | str:
    """``glosario`` from config.yaml: False (off), True (download) or the path of a copy in the lesson."""
    value = extra.get("glosario")
    if isinstance(value, str) and value.strip().lower() not in ("", "true", "false", "yes", "no"):
        return value.strip()
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes")
    return value is True


def from_data(data: Any, origin: str) -> Glosario:
    """A glossary from Glosario's YAML (a list of ``{slug, en: {term, def}, de: {...}, ...}``)."""
    if not isinstance(data, list):
        raise ValueError("a Glosario file is a list of entries (- slug: ...)")
    terms: dict[str, dict[str, tuple[str, str]]] = {}
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("slug"), str):
            continue
        languages = {}
        for key, value in entry.items():
            if isinstance(value, dict) and isinstance(value.get("term"), str) and isinstance(key, str):
                languages[key] = (value["term"], str(value.get("def") or ""))
        if languages:
            terms[entry["slug"]] = languages
    digest = hashlib.blake2b(repr(sorted(terms.items())).encode(), digest_size=12).hexdigest()
    return Glosario(terms, origin, True, digest)


def _parse(text: str, origin: str) -> Glosario:
    from lessonkit.markdown.frontmatter import safe_yaml

    return from_data(safe_yaml(text), origin)


def load(root: Path, extra: dict[str, Any], config_name: str, config_line: int,
         report: Report | None = None) -> Glosario | None:
    """The lesson's glossary (None when the lesson does not use Glosario); problems go to ``report``."""
    value = setting(extra)
    if value is False:
        return None
    report = report if report is not None else Report()
    if isinstance(value, str):
        return _load_file(root, value, config_name, config_line, report)
    url = os.environ.get(URL_VARIABLE) or DEFAULT_URL
    glosario, problem = _downloaded(url)
    if glosario is None:
        report.warning(config_name, config_line, RULE_UNAVAILABLE,
                       f"the Glosario glossary could not be had ({problem}): its links are made without "
                       "checking the terms, and show the slug",
                       "Build once with network access (the glossary is then kept for a week in "
                       "~/.cache/lessonkit/glosario/), or point 'glosario:' at a copy of glossary.yml in the lesson.")
        return Glosario(origin=url, available=False, digest="unavailable")
    return glosario


def _load_file(root: Path, value: str, config_name: str, config_line: int, report: Report) -> Glosario | None:
    from lessonkit.readers.paths import check_inside, entry_problem

    fix = "Give the path of a Glosario-format YAML file inside the lesson, e.g. 'glosario: glossary.yml'."
    problem = entry_problem(value)
    path = None if problem else check_inside(root, root / value, value, report, config_line, config_name)
    if problem or path is None:
        if problem:
            report.error(config_name, config_line, RULE_FILE, f"'glosario: {value}' {problem}", fix)
        return None
    import yaml

    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"the file is {size:,} bytes, more than the {MAX_BYTES:,} allowed")
        return _parse(path.read_text(encoding="utf-8"), value)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).split("\n")[0]
        if isinstance(exc, yaml.YAMLError):
            detail = f"not valid YAML: {detail}"
        report.error(config_name, config_line, RULE_FILE, f"'glosario: {value}' cannot be used: {detail}", fix)
        return None


def _cache_path(url: str) -> Path | None:
    from lessonkit.cache import user_cache

    folder = user_cache("glosario")
    return folder / (hashlib.blake2b(url.encode(), digest_size=8).hexdigest() + ".msgpack") if folder else None


def _downloaded(url: str) -> tuple[Glosario | None, str]:
    """The glossary at ``url``: from the user's cache when fresh, else downloaded (the stale copy when
    that fails). (None, why) when there is neither."""
    from lessonkit.cache import load_data, save_data

    path = _cache_path(url)
    kept = load_data(path, CACHE_KIND, CACHE_LAYOUT + url) if path else None
    if isinstance(kept, dict) and time.time() - float(kept.get("fetched", 0)) < MAX_AGE:
        return _from_cache(kept, url), ""
    if os.environ.get(OFFLINE_VARIABLE) == "1":
        return (_from_cache(kept, url), "") if isinstance(kept, dict) else (None, f"{OFFLINE_VARIABLE}=1 is set")
    import yaml

    try:
        glosario = _parse(_fetch(url), url)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        if isinstance(kept, dict):
            return _from_cache(kept, url), ""
        return None, f"{url}: {getattr(exc, 'reason', None) or exc}"
    if path is None:
        return glosario, ""
    save_data(path, CACHE_KIND, CACHE_LAYOUT + url, {
        "fetched": time.time(), "digest": glosario.digest,
        "terms": {slug: {lang: list(pair) for lang, pair in langs.items()} for slug, langs in glosario.terms.items()}})
    return glosario, ""


def _from_cache(kept: dict, url: str) -> Glosario:
    terms = {slug: {lang: (str(pair[0]), str(pair[1])) for lang, pair in langs.items()}
             for slug, langs in kept.get("terms", {}).items()}
    return Glosario(terms, url, True, str(kept.get("digest", "")))


def _fetch(url: str) -> str:
    import urllib.request

    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{URL_VARIABLE} must be an http(s) address")
    request = urllib.request.Request(url, headers={"User-Agent": "lessonkit"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"more than {MAX_BYTES:,} bytes")
    return data.decode("utf-8")


_MEMO: dict[tuple, tuple[float, Glosario | None, Report]] = {}
MEMO_SECONDS = 600  # a long-running `serve` asks the network again after this


def of(lesson, report: Report | None = None) -> Glosario | None:
    """The lesson's glossary, loaded once per process and lesson setting (the builder and the checks
    share it, so an unreachable network costs one timeout); ``report`` gets its diagnostics."""
    value = setting(lesson.config.extra)
    if value is False:
        return None
    config = lesson.config_file
    name, line = (config.name, config.line("glosario")) if config is not None else ("config.yaml", 0)
    stamp = ""
    if isinstance(value, str):
        try:
            stamp = str((lesson.root / value).stat().st_mtime_ns)
        except (OSError, ValueError):
            stamp = "missing"
    key = (str(lesson.root), value, os.environ.get(URL_VARIABLE, ""), os.environ.get(OFFLINE_VARIABLE, ""),
           stamp, name, line)
    kept = _MEMO.get(key)
    if kept is None or time.time() - kept[0] > MEMO_SECONDS:
        found = Report()
        kept = (time.time(), load(lesson.root, lesson.config.extra, name, line, found), found)
        _MEMO[key] = kept
    if report is not None:
        report.extend(kept[2])
    return kept[1]


def page_env(glosario: Glosario | None, page, lesson_lang: str) -> dict:
    """The Markdown environment entry for rendering ``page`` ({} when the lesson has no Glosario)."""
    if glosario is None:
        return {}
    from lessonkit.site.body import page_language

    return {"glosario": PageGlosario(glosario, page_language(page, lesson_lang))}
