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

from lessonkit.credit.contributors import Person
from lessonkit.credit.metadata import LessonMetadata
from lessonkit.credit.vocab import DATACITE, DATACITE_ORDER, licence_url

BIOSCHEMAS_PROFILE = "https://bioschemas.org/profiles/TrainingMaterial/1.0-RELEASE"
CONFORMS_TO = "http://purl.org/dc/terms/conformsTo"
CODEMETA_CONTEXT = "https://doi.org/10.5063/schema/codemeta-2.0"
#: ISO 639-1 -> ISO 639-2/B (Zenodo's language codes) for the languages lessons are written in.
LANGUAGES = {"en": "eng", "fr": "fre", "de": "ger", "es": "spa", "pt": "por", "it": "ita", "nl": "dut",
             "ja": "jpn", "zh": "chi", "ko": "kor", "ar": "ara", "uk": "ukr", "sw": "swa"}


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
    entry = {"family-names": family}
    if given:
        entry["given-names"] = given
    if person.orcid:
        entry["orcid"] = _orcid_url(person)
    if person.affiliation:
        entry["affiliation"] = person.affiliation
    if person.email:
        entry["email"] = person.email
    return entry


def citation_cff(meta: LessonMetadata) -> dict:
    data: dict = {
        "cff-version": "1.2.0",
        "message": "If you use or adapt this lesson, please cite it as below.",
        "type": "dataset",
        "title": meta.title,
        "authors": [cff_person(p) for p in meta.authors] or [{"name": "The lesson's authors"}],
    }
    if meta.abstract:
        data["abstract"] = meta.abstract
    if meta.version:
        data["version"] = meta.version
    if re.match(r"^\d{4}-\d{2}-\d{2}$", meta.date):
        data["date-released"] = meta.date
    if meta.doi:
        data["doi"] = meta.doi
    if meta.licence:
        data["license"] = meta.licence
    if meta.url:
        data["url"] = meta.url
    if meta.repository:
        data["repository-code"] = meta.repository
    if meta.keywords:
        data["keywords"] = meta.keywords
    references = []
    for work in meta.related:
        if not work.authors:
            continue
        reference: dict = {"type": "generic", "title": work.title,
                           "authors": [{"name": name} for name in work.authors]}
        if work.url:
            reference["url"] = work.url
        if work.doi:
            reference["doi"] = work.doi
        if str(work.year).isdigit():
            reference["year"] = int(work.year)
        if work.licence and re.match(r"^[A-Za-z0-9.+-]+$", work.licence):
            reference["license"] = work.licence
        references.append(reference)
    if references:
        data["references"] = references
    return data


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
    entry: dict = {"name": zenodo_name(person)}
    if person.affiliation:
        entry["affiliation"] = person.affiliation
    if person.orcid:
        entry["orcid"] = person.orcid
    return entry


def zenodo(meta: LessonMetadata) -> dict:
    data: dict = {
        "upload_type": "lesson",
        "title": meta.title,
        "creators": [_zenodo_person(p) for p in meta.authors] or [{"name": "The lesson's authors"}],
        "description": meta.abstract or meta.title,
        "access_right": "open",
    }
    if meta.licence:
        data["license"] = meta.licence.lower()
    if meta.version:
        data["version"] = meta.version
    if re.match(r"^\d{4}-\d{2}-\d{2}$", meta.date):
        data["publication_date"] = meta.date
    if meta.keywords:
        data["keywords"] = meta.keywords
    if meta.language:
        data["language"] = LANGUAGES.get(meta.language.split("-")[0], "eng")
    contributors = []
    for person in meta.contributors:
        entry = _zenodo_person(person)
        entry["type"] = datacite_type(person)
        contributors.append(entry)
    if contributors:
        data["contributors"] = contributors
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


def _schema_person(person: Person, codemeta: bool = False) -> dict:
    if person.group:
        entry: dict = {"@type": "Organization", "name": person.name}
        if person.url:
            entry["url"] = person.url
        return entry
    given, family = person.split_name()
    entry = {"@type": "Person", "name": person.name}
    if person.orcid:
        entry["@id"] = _orcid_url(person)
    if given:
        entry["givenName"] = given
    if family:
        entry["familyName"] = family
    if person.affiliation:
        organisation = {"@type": "Organization", "name": person.affiliation}
        if person.ror:
            organisation["@id"] = person.ror
        entry["affiliation"] = organisation
    return entry


def codemeta(meta: LessonMetadata) -> dict:
    data: dict = {
        "@context": CODEMETA_CONTEXT,
        "@type": "SoftwareSourceCode",
        "name": meta.title,
        "author": [_schema_person(p, True) for p in meta.authors],
    }
    if meta.abstract:
        data["description"] = meta.abstract
    if meta.contributors:
        data["contributor"] = [_schema_person(p, True) for p in meta.contributors]
    if meta.licence:
        data["license"] = licence_url(meta.licence) or meta.licence
    if meta.version:
        data["version"] = meta.version
    if meta.date:
        data["datePublished"] = meta.date
    if meta.repository:
        data["codeRepository"] = meta.repository
    if meta.url:
        data["url"] = meta.url
    if meta.doi:
        data["identifier"] = f"https://doi.org/{meta.doi}"
    if meta.keywords:
        data["keywords"] = meta.keywords
    if meta.funding:
        data["funder"] = [{"@type": "Organization", "name": f.name, **({"@id": f.ror} if f.ror else {})}
                          for f in meta.funding]
    return data


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
    if meta.url:
        data["@id"] = meta.url
        data["url"] = meta.url
    if meta.contributors:
        data["contributor"] = [_schema_person(p) for p in meta.contributors]
    if meta.licence:
        data["license"] = licence_url(meta.licence) or meta.licence
    if meta.version:
        data["version"] = meta.version
    if meta.date:
        data["datePublished"] = meta.date
    if meta.doi:
        data["identifier"] = f"https://doi.org/{meta.doi}"
    if meta.minutes:
        data["timeRequired"] = f"PT{meta.minutes // 60}H{meta.minutes % 60}M" if meta.minutes >= 60 else \
            f"PT{meta.minutes}M"
    if meta.publisher:
        data["publisher"] = {"@type": "Organization", "name": meta.publisher}
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
