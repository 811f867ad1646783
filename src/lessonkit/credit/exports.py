"""Citation and catalogue files written from a lesson's metadata (``metadata.LessonMetadata``):

* ``CITATION.cff`` (Citation File Format 1.2.0; validated with the schema it publishes,
  shipped in ``schemas/cff-1.2.0.schema.json``);
* ``.zenodo.json`` (Zenodo deposit metadata; contributor types from DataCite, see
  ``vocab.DATACITE`` and docs/credit.md for the mapping);
* ``codemeta.json`` (CodeMeta 2.0);
* schema.org / Bioschemas ``TrainingMaterial`` JSON-LD for one lesson, and a harvestable
  ``@graph`` of them for a catalogue (the way ELIXIR TeSS ingests training material).
"""

from __future__ import annotations

import json
import re

import yaml

from lessonkit.credit.contributors import Person, Work
from lessonkit.credit.metadata import LessonMetadata, present
from lessonkit.credit.vocab import DATACITE, DATACITE_ORDER, licence_url

BIOSCHEMAS_PROFILE = "https://bioschemas.org/profiles/TrainingMaterial/1.0-RELEASE"
CONFORMS_TO = "http://purl.org/dc/terms/conformsTo"
CODEMETA_CONTEXT = "https://doi.org/10.5063/schema/codemeta-2.0"
#: ISO 639-1 -> ISO 639-2/B (Zenodo's language codes) for the languages lessons are written in.
LANGUAGES = {"en": "eng", "fr": "fre", "de": "ger", "es": "spa", "pt": "por", "it": "ita", "nl": "dut",
             "ja": "jpn", "zh": "chi", "ko": "kor", "ar": "ara", "uk": "ukr", "sw": "swa"}


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _orcid_url(person: Person) -> str:
    return f"https://orcid.org/{person.orcid}" if person.orcid else ""


# -- CITATION.cff ---------------------------------------------------------------------------


def cff_person(person: Person) -> dict:
    if person.group:
        entry: dict = {"name": person.name}
        if person.url:
            entry["website"] = person.url
        return entry
    given, family = person.split_name()
    return present({"family-names": family}, ("given-names", given), ("orcid", _orcid_url(person)),
                   ("affiliation", person.affiliation), ("email", person.email))


def citation_cff(meta: LessonMetadata) -> dict:
    data: dict = {
        "cff-version": "1.2.0",
        "message": "If you use or adapt this lesson, please cite it as below.",
        "type": "dataset",
        "title": meta.title,
        "authors": [cff_person(p) for p in meta.authors] or [{"name": "The lesson's authors"}],
    }
    present(data, ("abstract", meta.abstract), ("version", meta.version),
            ("date-released", meta.date if ISO_DATE.match(meta.date) else ""), ("doi", meta.doi),
            ("license", meta.licence), ("url", meta.url), ("repository-code", meta.repository),
            ("keywords", meta.keywords))
    references = [_cff_reference(work) for work in meta.related if work.authors]
    if references:
        data["references"] = references
    return data


def _cff_reference(work: Work) -> dict:
    reference = present({"type": "generic", "title": work.title, "authors": [{"name": name} for name in work.authors]},
                        ("url", work.url), ("doi", work.doi))
    if str(work.year).isdigit():
        reference["year"] = int(work.year)
    if work.licence and re.match(r"^[A-Za-z0-9.+-]+$", work.licence):
        reference["license"] = work.licence
    return reference


def citation_cff_text(meta: LessonMetadata) -> str:
    header = "# Written by lessonkit from config.yaml and contributors.yaml; edit those, not this file.\n"
    return header + yaml.safe_dump(citation_cff(meta), sort_keys=False, allow_unicode=True, width=100)


# -- .zenodo.json ---------------------------------------------------------------------------


def zenodo_name(person: Person) -> str:
    if person.group:
        return person.name
    given, family = person.split_name()
    return f"{family}, {given}" if given else family


def datacite_type(person: Person) -> str:
    """The DataCite contributorType for a contributor (see vocab.DATACITE: no "illustrator")."""
    for role in DATACITE_ORDER:
        if role in person.roles:
            return DATACITE[role]
    return "Other"


def _zenodo_person(person: Person) -> dict:
    return present({"name": zenodo_name(person)}, ("affiliation", person.affiliation), ("orcid", person.orcid))


def zenodo(meta: LessonMetadata) -> dict:
    data: dict = {
        "upload_type": "lesson",
        "title": meta.title,
        "creators": [_zenodo_person(p) for p in meta.authors] or [{"name": "The lesson's authors"}],
        "description": meta.abstract or meta.title,
        "access_right": "open",
    }
    present(data, ("license", meta.licence.lower()), ("version", meta.version),
            ("publication_date", meta.date if ISO_DATE.match(meta.date) else ""), ("keywords", meta.keywords),
            ("language", LANGUAGES.get(meta.language.split("-")[0], "eng") if meta.language else ""),
            ("contributors", [{**_zenodo_person(p), "type": datacite_type(p)} for p in meta.contributors]))
    related = []
    if meta.repository:
        related.append({"identifier": meta.repository, "relation": "isSupplementTo", "scheme": "url",
                        "resource_type": "software"})
    if meta.url:
        related.append({"identifier": meta.url, "relation": "isIdenticalTo", "scheme": "url"})
    for work in meta.related:
        identifier, scheme = (work.doi, "doi") if work.doi else (work.url, "url")
        if identifier:
            relation = work.relation if work.relation != "isSourceOf" else "isSourceOf"
            related.append({"identifier": identifier, "relation": relation, "scheme": scheme})
    if related:
        data["related_identifiers"] = related
    notes = [f"{person.name}: {', '.join(person.roles)}" for person in meta.contributors if person.roles]
    if notes:
        data["notes"] = "CRediT roles of the contributors - " + "; ".join(notes) + "."
    return data


# -- CodeMeta -------------------------------------------------------------------------------


def _schema_person(person: Person) -> dict:
    if person.group:
        entry: dict = {"@type": "Organization", "name": person.name}
        if person.url:
            entry["url"] = person.url
        return entry
    given, family = person.split_name()
    entry = present({"@type": "Person", "name": person.name}, ("@id", _orcid_url(person)), ("givenName", given),
                    ("familyName", family))
    if person.affiliation:
        entry["affiliation"] = present({"@type": "Organization", "name": person.affiliation}, ("@id", person.ror))
    return entry


def _work_fields(meta: LessonMetadata) -> list[tuple[str, object]]:
    """What CodeMeta and schema.org say alike of the lesson: contributors, licence, version, date."""
    return [("contributor", [_schema_person(p) for p in meta.contributors]),
            ("license", (licence_url(meta.licence) or meta.licence) if meta.licence else ""),
            ("version", meta.version), ("datePublished", meta.date)]


def codemeta(meta: LessonMetadata) -> dict:
    data: dict = {
        "@context": CODEMETA_CONTEXT,
        "@type": "SoftwareSourceCode",
        "name": meta.title,
        "author": [_schema_person(p) for p in meta.authors],
    }
    return present(data, ("description", meta.abstract), *_work_fields(meta), ("codeRepository", meta.repository),
                   ("url", meta.url), ("identifier", f"https://doi.org/{meta.doi}" if meta.doi else ""),
                   ("keywords", meta.keywords),
                   ("funder", [present({"@type": "Organization", "name": f.name}, ("@id", f.ror))
                               for f in meta.funding]))


# -- schema.org / Bioschemas ----------------------------------------------------------------


def training_material(meta: LessonMetadata) -> dict:
    """The lesson as a Bioschemas TrainingMaterial (schema.org LearningResource)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        CONFORMS_TO: {"@type": "CreativeWork", "@id": BIOSCHEMAS_PROFILE},
        "name": meta.title,
        "description": meta.abstract or meta.title,
        "keywords": ", ".join(meta.keywords) if meta.keywords else meta.title,
        "learningResourceType": "lesson",
        "educationalLevel": "professional",
        "inLanguage": meta.language,
        "author": [_schema_person(p) for p in meta.authors],
    }
    minutes = meta.minutes
    present(data, ("@id", meta.url), ("url", meta.url), *_work_fields(meta),
            ("identifier", f"https://doi.org/{meta.doi}" if meta.doi else ""),
            ("timeRequired", "" if not minutes else f"PT{minutes // 60}H{minutes % 60}M" if minutes >= 60 else
             f"PT{minutes}M"),
            ("publisher", {"@type": "Organization", "name": meta.publisher} if meta.publisher else None))
    if meta.episodes and meta.url:
        base = meta.url.rstrip("/") + "/"
        data["hasPart"] = [{"@type": "LearningResource", "name": title, "url": base + filename}
                           for title, filename in meta.episodes]
    based_on = [{"@type": "CreativeWork", "name": w.title,
                 **({"url": f"https://doi.org/{w.doi}" if w.doi else w.url} if (w.doi or w.url) else {})}
                for w in meta.related if w.relation in ("isDerivedFrom", "isNewVersionOf", "continues")]
    if based_on:
        data["isBasedOn"] = based_on
    return data


def catalogue_jsonld(metas: list[LessonMetadata]) -> dict:
    """Every lesson of a catalogue as one JSON-LD document (a @graph), for harvesters such as TeSS."""
    graph = []
    for meta in metas:
        item = training_material(meta)
        item.pop("@context", None)
        graph.append(item)
    return {"@context": "https://schema.org", "@graph": graph}


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
