"""The interface of a built site in the lesson's language.

Every string the site shows around the lesson's own text (block titles, navigation,
schedule, search, code labels, footer, generated pages, the feedback widget, dates)
is an English message id in a gettext catalogue, ``locale/<lang>/LC_MESSAGES/lessonkit.po``,
compiled to ``.mo`` files shipped in the package.  Catalogues are extracted,
updated and compiled with Babel (``babel.cfg`` beside this file; see docs/translations.md).

A build resolves its languages once: :func:`interface` returns an :class:`Interface` whose
strings are a plain dict read from the compiled catalogue (cached per language), so that
rendering a page is a dict look-up per string.  A string missing from a catalogue (or not yet
translated) falls back to its English message id.
"""

from __future__ import annotations

import datetime as _dt
import gettext
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DOMAIN = "lessonkit"
LOCALE_DIR = Path(__file__).resolve().parent

#: The languages lessonkit has an interface catalogue for, with their own names (for menus).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "ja": "日本語",
    "pt": "Português",
    "uk": "Українська",
}

#: Scripts written right to left (ISO 639-1 codes).
RTL = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "dv", "ckb", "sd", "ug"})


def normalise(lang: str | None) -> str:
    """``pt-BR``/``pt_br`` -> ``pt_BR``; empty -> ``en``."""
    text = (lang or "").strip().replace("-", "_")
    if not text:
        return "en"
    head, _, tail = text.partition("_")
    return head.lower() + (f"_{tail.upper() if len(tail) == 2 else tail}" if tail else "")


def base_language(lang: str | None) -> str:
    return normalise(lang).split("_")[0]


def catalogue_language(lang: str | None) -> str | None:
    """The catalogue used for ``lang`` (``pt_BR`` falls back to ``pt``), or None when there is none."""
    code = normalise(lang)
    for candidate in (code, code.split("_")[0]):
        if candidate == "en" or (LOCALE_DIR / candidate / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
            return candidate
    return None


def supported(lang: str | None) -> bool:
    return catalogue_language(lang) is not None


def direction(lang: str | None) -> str:
    return "rtl" if base_language(lang) in RTL else "ltr"


def catalogue_signature() -> str:
    """Changes whenever a compiled catalogue changes (build caches then drop translated HTML)."""
    return _catalogue_signature()


@lru_cache(maxsize=1)
def _catalogue_signature() -> str:
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        digest.update(path.parent.parent.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=32)
def _translations(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)


@dataclass(frozen=True)
class Interface:
    """The interface strings of one language, resolved once."""

    lang: str  # the language asked for (normalised, e.g. "de" or "pt_BR")
    catalogue: str  # the catalogue used ("en" when lessonkit has none for ``lang``)
    strings: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    translations: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, repr=False,
                                                    compare=False)

    @property
    def html_lang(self) -> str:
        return self.lang.replace("_", "-")

    @property
    def dir(self) -> str:
        return direction(self.lang)

    def gettext(self, message: str) -> str:
        return self.strings.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def date(self, value: _dt.date | _dt.datetime | str) -> str:
        """A date written the way the language writes it ("1. Dezember 2026", "2026年12月1日")."""
        return format_date(value, self.catalogue if self.catalogue != "en" else "en")

    def subset(self, messages) -> dict[str, str]:
        """The translations of ``messages`` (for the site's JavaScript)."""
        return {m: self.gettext(m) for m in messages}


@lru_cache(maxsize=32)
def interface(lang: str | None) -> Interface:
    code = normalise(lang)
    catalogue = catalogue_language(code) or "en"
    translations = _translations(catalogue)
    strings = dict(getattr(translations, "_catalog", {}) or {})
    strings = {k: v for k, v in strings.items() if isinstance(k, str) and k and v}  # "" is the header
    return Interface(code, catalogue, strings, translations)


@lru_cache(maxsize=256)
def format_date(value: _dt.date | _dt.datetime | str, locale: str) -> str:
    if isinstance(value, str):
        try:
            value = _dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, _dt.datetime):
        value = value.date()
    if locale == "en":  # Babel's long English format, without loading its locale data in every build
        return f"{_ENGLISH_MONTHS[value.month - 1]} {value.day}, {value.year}"
    try:
        from babel.dates import format_date as babel_format_date

        return babel_format_date(value, format="long", locale=locale)
    except Exception:  # Babel missing or not knowing the locale: ISO dates read everywhere
        return value.isoformat()


_ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December")


def N_(message: str) -> str:
    return message
