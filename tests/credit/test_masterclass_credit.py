"""The masterclasses credit what is true and release cleanly with ``lessonkit release``; a
catalogue's site has a harvestable JSON-LD list of its lessons."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator

from lessonkit.build import Builder, BuildOptions
from lessonkit.credit.contributors import load_contributors
from lessonkit.credit.illustrations import load_illustrations
from lessonkit.credit.yamlfile import schema
from lessonkit.diagnostics import Report
from lessonkit.execute import ExecutionOptions
from lessonkit.readers import read_lesson
from testsupport import ROOT

LESSONS = ROOT / "lessons"
MASTERCLASSES = ["intro-data-science-ai", "managing-computational-projects"]
PROGRAMME = {
    "https://github.com/carpentries-incubator/data-science-ai-senior-researchers",
    "https://github.com/carpentries-incubator/managing-computational-projects",
    "https://github.com/alan-turing-institute/data-training-for-bioscience",
}
# Issue 19, item 7: each masterclass reuses one of the programme's CC BY illustrations (from its
# review-and-illustration sprint) where the picture says it better than words, with full credit.
PROGRAMME_ILLUSTRATION = {
    "intro-data-science-ai": ("research-foundation.jpg", "09-practicalities.html"),
    "managing-computational-projects": ("skill-spectrum.jpg", "05-coding-practice.html"),
}


def copy_lesson(name, tmp_path):
    target = tmp_path / name
    shutil.copytree(LESSONS / name, target, ignore=shutil.ignore_patterns(".lessonkit", "site", "releases"))
    return target


@pytest.mark.parametrize("name", MASTERCLASSES)
def test_masterclass_credit_files_are_valid_and_credit_the_2022_programme(name):
    lesson = read_lesson(LESSONS / name)
    report = Report()
    contributors = load_contributors(lesson, report)
    illustrations = load_illustrations(lesson, report)
    assert report.items == []
    assert [p.name for p in contributors.authors] == ["lessonkit developers"]
    related = {work.url: work for work in contributors.related}
    assert set(related) == PROGRAMME
    assert all(work.licence == "CC-BY-4.0" for work in related.values())
    # Every figure the lesson shows is covered by the illustrations file.
    for figure in (LESSONS / name / "episodes" / "fig").iterdir():
        entry = illustrations.find(f"episodes/fig/{figure.name}")
        assert entry is not None and entry.licence, figure.name


@pytest.mark.parametrize("name", MASTERCLASSES)
def test_masterclass_releases_cleanly(name, tmp_path):
    root = copy_lesson(name, tmp_path)
    out = tmp_path / "releases"
    run = subprocess.run([sys.executable, "-m", "lessonkit", "release", str(root), "--version", "1.0.0",
                          "--date", "2026-12-01", "--out", str(out), "--no-execute"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    folder = out / f"{name}-1.0.0"
    cff = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert Draft7Validator(schema("cff-1.2.0.schema.json")).is_valid(cff)
    assert cff["version"] == "1.0.0" and cff["authors"][0]["name"] == "lessonkit developers"
    assert {ref["url"] for ref in cff["references"]} == PROGRAMME
    zenodo = json.loads((folder / ".zenodo.json").read_text())
    assert Draft202012Validator(schema("zenodo-deposit.schema.json")).is_valid(zenodo)
    assert {r["identifier"] for r in zenodo["related_identifiers"]} >= PROGRAMME
    with zipfile.ZipFile(folder / f"{name}-1.0.0.zip") as archive:
        names = archive.namelist()
        site = archive.read(f"{name}-1.0.0/site/contributors.html").decode()
        image, page = PROGRAMME_ILLUSTRATION[name]
        episode = archive.read(f"{name}-1.0.0/site/{page}").decode()
        credits = archive.read(f"{name}-1.0.0/site/image-credits.html").decode()
    assert f"{name}-1.0.0/site/fig/{image}" in names
    assert f"{name}-1.0.0/source/contributors.yaml" in names
    for url in PROGRAMME:
        assert f'href="{url}"' in site
    # The reused illustration: shown with its alt text, its credit line under it, and on Image credits.
    entry = load_illustrations(read_lesson(root), Report()).find(f"episodes/fig/{image}")
    assert entry.reused and entry.licence == "CC-BY-4.0" and entry.doi == "10.5281/zenodo.6560477"
    assert "Scriberia" in entry.creators
    assert f'alt="{entry.alt.strip()}"' in episode
    figure = episode.split(f'src="fig/{image}"')[1].split("</figure>")[0]
    credit = figure.split('<span class="figure-credit">')[1]
    assert "Scriberia" in credit and "https://doi.org/10.5281/zenodo.6560477" in credit and "CC BY 4.0" in credit
    assert f'<img src="fig/{image}"' in credits


def test_catalogue_site_has_a_harvestable_jsonld_list(tmp_path):
    for name in MASTERCLASSES:
        copy_lesson(name, tmp_path / "catalogue")
    out = tmp_path / "site"
    result = Builder(tmp_path / "catalogue", BuildOptions(out=out, execution=ExecutionOptions(enabled=False))).build()
    assert result.ok, [d.format() for d in result.diagnostics]
    catalogue = json.loads((out / "catalogue.jsonld").read_text())
    assert catalogue["@context"] == "https://schema.org"
    validator = Draft202012Validator(schema("training-material.schema.json"))
    names = []
    for item in catalogue["@graph"]:
        assert validator.is_valid(item), list(validator.iter_errors(item))
        names.append(item["name"])
    assert names == [read_lesson(LESSONS / n).config.title for n in MASTERCLASSES]
    single = json.loads((out / "intro-data-science-ai" / "lesson.jsonld").read_text())
    assert validator.is_valid(single) and single["author"][0]["name"] == "lessonkit developers"
