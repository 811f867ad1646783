"""Exports validated against their schemas (CITATION.cff against the Citation File Format's own
1.2.0 schema, codemeta.json against the CodeMeta 2.0 context's terms, .zenodo.json and the
TrainingMaterial JSON-LD against the schemas in the package), and ``lessonkit release``."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml
from jsonschema import Draft7Validator, Draft202012Validator

from credit.creditsupport import lesson_with
from credit.test_credit_files import CONTRIBUTORS
from lessonkit.credit import exports
from lessonkit.credit.contributors import Person
from lessonkit.credit.metadata import lesson_metadata
from lessonkit.credit.yamlfile import schema
from lessonkit.readers import read_lesson

HERE = Path(__file__).resolve().parent


def metadata(tmp_path):
    root = lesson_with(tmp_path, "Text.", {"contributors.yaml": CONTRIBUTORS})
    return lesson_metadata(read_lesson(root), version="1.2.0", date="2026-12-01")


def errors(validator, data):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_citation_cff_validates_against_the_cff_1_2_0_schema(tmp_path):
    meta = metadata(tmp_path)
    cff_schema = schema("cff-1.2.0.schema.json")
    assert cff_schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    data = yaml.safe_load(exports.citation_cff_text(meta))
    assert errors(Draft7Validator(cff_schema, format_checker=Draft7Validator.FORMAT_CHECKER), data) == []
    assert data["version"] == "1.2.0" and data["date-released"] == "2026-12-01"
    assert data["authors"] == [{"family-names": "Lovelace", "given-names": "Ada",
                                "orcid": "https://orcid.org/0000-0002-1825-0097",
                                "affiliation": "Analytical Engine Society"}]
    assert data["references"] == [] if False else "references" not in data  # a related work without authors
    # The schema really checks: a wrong ORCID form is rejected.
    data["authors"][0]["orcid"] = "0000-0002-1825-0097"
    assert errors(Draft7Validator(cff_schema), data)


def test_zenodo_json_validates_and_maps_credit_roles_to_datacite_types(tmp_path):
    meta = metadata(tmp_path)
    data = exports.zenodo(meta)
    assert errors(Draft202012Validator(schema("zenodo-deposit.schema.json")), data) == []
    assert data["upload_type"] == "lesson" and data["version"] == "1.2.0"
    assert data["publication_date"] == "2026-12-01" and data["license"] == "cc-by-4.0"
    assert data["creators"] == [{"name": "Lovelace, Ada", "affiliation": "Analytical Engine Society",
                                 "orcid": "0000-0002-1825-0097"}]
    assert data["contributors"] == [{"name": "Review sprint participants", "type": "Editor"}]
    assert {"identifier": "https://example.org/earlier", "relation": "isDerivedFrom", "scheme": "url"} in \
        data["related_identifiers"]
    # DataCite has no "illustrator": visualization is "Other".
    assert exports.datacite_type(Person("An Artist", 0, roles=["visualization"])) == "Other"
    assert exports.datacite_type(Person("A Curator", 0, roles=["visualization", "data-curation"])) == "DataCurator"


def test_codemeta_uses_only_codemeta_2_0_terms(tmp_path):
    meta = metadata(tmp_path)
    data = exports.codemeta(meta)
    context = json.loads((HERE / "schemas" / "codemeta-2.0.jsonld").read_text())["@context"]
    terms = set(context) | {"@context", "@type", "@id"}

    def keys(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from keys(item)
        elif isinstance(value, list):
            for item in value:
                yield from keys(item)

    assert data["@context"] == "https://doi.org/10.5063/schema/codemeta-2.0"
    assert set(keys(data)) <= terms, set(keys(data)) - terms
    assert data["author"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert data["version"] == "1.2.0" and data["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_training_material_jsonld_and_catalogue_list(tmp_path):
    meta = metadata(tmp_path)
    data = exports.training_material(meta)
    validator = Draft202012Validator(schema("training-material.schema.json"))
    assert errors(validator, data) == []
    assert data["author"][0]["name"] == "Ada Lovelace"
    assert data["contributor"][0] == {"@type": "Organization", "name": "Review sprint participants"}
    catalogue = exports.catalogue_jsonld([meta, meta])
    assert catalogue["@context"] == "https://schema.org" and len(catalogue["@graph"]) == 2
    for item in catalogue["@graph"]:
        assert errors(validator, item) == []
    del data["keywords"]
    assert errors(validator, data)  # a minimum property of the profile


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lessonkit", *args], capture_output=True, text=True, cwd=cwd)


def test_release_writes_a_versioned_archive_and_refuses_twice(tmp_path):
    root = lesson_with(tmp_path, "Bias [@x].", {"contributors.yaml": CONTRIBUTORS, "references.bib":
                                                "@misc{x, title = {A work}, author = {Doe, Jane}, year = {2020}}\n"})
    done = run("release", str(root), "--version", "1.0.0", "--date", "2026-12-01", "--no-execute")
    assert done.returncode == 0, done.stderr
    folder = root / "releases" / "lesson-1.0.0"
    assert sorted(p.name for p in folder.iterdir()) == [".zenodo.json", "CITATION.cff", "codemeta.json",
                                                        "lesson-1.0.0.zip", "lesson.jsonld"]
    cff = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert cff["version"] == "1.0.0" and cff["date-released"] == "2026-12-01"
    zenodo = json.loads((folder / ".zenodo.json").read_text())
    assert zenodo["version"] == "1.0.0" and zenodo["publication_date"] == "2026-12-01"
    with zipfile.ZipFile(folder / "lesson-1.0.0.zip") as archive:
        names = set(archive.namelist())
        assert {"lesson-1.0.0/source/config.yaml", "lesson-1.0.0/source/episodes/introduction.md",
                "lesson-1.0.0/site/index.html", "lesson-1.0.0/site/citation.html", "lesson-1.0.0/CITATION.cff",
                "lesson-1.0.0/.zenodo.json", "lesson-1.0.0/codemeta.json", "lesson-1.0.0/lesson.jsonld"} <= names
        assert not any("/source/releases/" in n or "/source/.lessonkit/" in n for n in names)
        assert "version: 1.0.0" in archive.read("lesson-1.0.0/source/CITATION.cff").decode()
    # The lesson's own citation files now describe the release, and agree with the contributors.
    assert yaml.safe_load((root / "CITATION.cff").read_text())["version"] == "1.0.0"
    assert run("check", str(root), "--strict").returncode == 0
    again = run("release", str(root), "--version", "1.0.0", "--no-execute")
    assert again.returncode == 1 and "already released" in again.stderr
    assert run("release", str(root), "--version", "not a version").returncode == 1


def test_release_refuses_a_lesson_with_warnings_and_writes_nothing(tmp_path):
    root = lesson_with(tmp_path, "Text.", {"contributors.yaml": CONTRIBUTORS + "  - name: Nobody\n"})
    refused = run("release", str(root), "--version", "1.0.0", "--no-execute")
    assert refused.returncode == 1 and "Release refused" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (root / "releases").exists()
    assert "version" not in yaml.safe_load((root / "CITATION.cff").read_text())


def test_release_of_a_catalogue_is_all_or_nothing(tmp_path):
    catalogue = tmp_path / "catalogue"
    good = lesson_with(catalogue / "a", "Text.", {"contributors.yaml": CONTRIBUTORS})
    bad = lesson_with(catalogue / "b", "Text.", {"contributors.yaml": CONTRIBUTORS + "  - name: Nobody\n"})
    good = good.rename(catalogue / "lesson-a")
    bad = bad.rename(catalogue / "lesson-b")
    refused = run("release", str(catalogue), "--version", "2.0.0", "--no-execute")
    assert refused.returncode == 1 and "lesson-b/contributors.yaml" in refused.stderr
    assert not (catalogue / "releases").exists()
    (bad / "contributors.yaml").write_text(CONTRIBUTORS)
    done = run("release", str(catalogue), "--version", "2.0.0", "--date", "2026-12-01", "--no-execute")
    assert done.returncode == 0, done.stderr
    releases = catalogue / "releases"
    assert sorted(p.name for p in releases.iterdir()) == ["catalogue-2.0.0.jsonld", "lesson-a-2.0.0",
                                                          "lesson-b-2.0.0"]
    listing = json.loads((releases / "catalogue-2.0.0.jsonld").read_text())
    assert [item["version"] for item in listing["@graph"]] == ["2.0.0", "2.0.0"]
    validator = Draft202012Validator(schema("training-material.schema.json"))
    assert all(validator.is_valid(item) for item in listing["@graph"])


def test_a_new_lesson_is_not_released_under_the_placeholder_author_until_contributors_are_named(tmp_path):
    """The release a new user makes: ``lessonkit new`` without --author names "The lesson authors" in
    CITATION.cff and nobody in contributors.yaml ('people: []');
    releasing that would deposit a lesson crediting nobody, so it is refused with where to fix it;
    once contributors.yaml names a person the same command releases, crediting her."""
    import inspect

    from lessonkit.credit.release import PLACEHOLDER_AUTHOR
    from lessonkit.scaffold import create_lesson

    assert inspect.signature(create_lesson).parameters["author"].default == PLACEHOLDER_AUTHOR
    assert run("new", "cell-counting", cwd=tmp_path).returncode == 0
    refused = run("release", "cell-counting", "--version", "1.0.0", "--no-execute", cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    people = (tmp_path / "cell-counting/contributors.yaml").read_text().splitlines().index("people: []") + 1
    assert (f"contributors.yaml:{people}: error: the lesson's only author is the placeholder 'The lesson authors'"
            in refused.stderr)
    assert "[release-placeholder-authors]" in refused.stderr and "contributors.yaml" in refused.stderr
    assert not (tmp_path / "cell-counting/releases").exists()
    (tmp_path / "cell-counting/contributors.yaml").write_text(CONTRIBUTORS, encoding="utf-8")
    done = run("release", "cell-counting", "--version", "1.0.0", "--no-execute", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    zenodo = json.loads((tmp_path / "cell-counting/releases/cell-counting-1.0.0/.zenodo.json").read_text())
    assert [c["name"] for c in zenodo["creators"]] == ["Lovelace, Ada"]
