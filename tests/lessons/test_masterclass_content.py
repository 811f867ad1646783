"""Issue 16's content items, checked from the lesson sources so that a later edit that drops one
fails: sources cited where the issue names them, a further-reading section per episode, the tools
table, generative AI in the group, the management masterclass's gaps and the UK data-protection fix."""

from __future__ import annotations

import re

import pytest

from lessonkit.readers import read_lesson
from testsupport import ROOT

LESSONS = ROOT / "lessons"
AI = LESSONS / "intro-data-science-ai"
MANAGEMENT = LESSONS / "managing-computational-projects"
CITATION = re.compile(r"\[[^\]]*?-?@([\w:.-]+)[^\]]*\]")


def episode_text(root, stem: str) -> str:
    return (root / "episodes" / f"{stem}.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The text of the level-2 section whose heading starts with ``heading``, up to the next heading
    or the end of the block (a fence line of colons) it is in."""
    match = re.search(rf"^## {re.escape(heading)}[^\n]*\n(.*?)(?=^## |^:{{3,}}|\Z)", text, re.S | re.M)
    assert match, heading
    return match.group(1)


def cited(text: str) -> set[str]:
    return {key for group in CITATION.finditer(text) for key in re.findall(r"@([\w:.-]+)", group.group(0))}


@pytest.mark.parametrize("root", [AI, MANAGEMENT], ids=lambda p: p.name)
def test_every_episode_ends_with_further_reading_whose_items_cite_or_link(root):
    lesson = read_lesson(root)
    bibliography = (root / "references.bib").read_text(encoding="utf-8")
    for page in lesson.episodes:
        reading = section((root / page.source).read_text(encoding="utf-8"), "Further reading")
        items = re.findall(r"^- (.+(?:\n  .+)*)", reading, re.M)
        assert len(items) >= 2, page.source
        for item in items:
            assert cited(item) or "](" in item, (page.source, item)
        for key in cited(reading):
            assert re.search(rf"@\w+\{{{re.escape(key)},", bibliography), (page.source, key)


def test_the_ai_masterclass_cites_the_published_case_studies_the_issue_names():
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((AI / "episodes").glob("*.md")))
    named = {"obermeyer2019bias", "zech2018pneumonia", "wynants2020covid", "roberts2021covid", "kather2019msi",
             "ahlqvist2018diabetes", "collins2024tripodai", "turingway2022", "wilson2017goodenough"}
    assert named <= cited(text), named - cited(text)
    bibliography = (AI / "references.bib").read_text(encoding="utf-8")
    for key, doi in [("obermeyer2019bias", "10.1126/science.aax2342"), ("zech2018pneumonia", "10.1371/journal.pmed.1002683"),
                     ("wynants2020covid", "10.1136/bmj.m1328"), ("roberts2021covid", "10.1038/s42256-021-00307-0"),
                     ("kather2019msi", "10.1038/s41591-019-0462-y"), ("ahlqvist2018diabetes", "10.1016/S2213-8587(18)30051-2")]:
        entry = re.search(rf"@\w+\{{{key},(.*?)\n\}}", bibliography, re.S)
        assert entry and f"doi = {{{doi}}}" in entry.group(1), key


def test_tools_you_will_meet_names_what_each_tool_does_and_needs_with_a_source_and_a_validation_recipe():
    tools = section(episode_text(AI, "03-automation"), "Tools you will meet")
    rows = {m.group(1): (m.group(2), m.group(3), m.group(4)) for m in
            re.finditer(r"^\| (\w+) \[@([\w.-]+)\] \| ([^|]+) \| ([^|]+) \|$", tools, re.M)}
    assert set(rows) == {"Cellpose", "StarDist", "QuPath", "ilastik", "CellProfiler", "DeepLabCut", "AlphaFold"}
    assert all(len(does.split()) >= 8 and len(needs.split()) >= 4 for _, does, needs in rows.values())
    steps = re.findall(r"^\d\. \*\*(.+?)\*\*", tools, re.M)
    assert len(steps) == 5 and "own data" in tools
    challenge = section(episode_text(AI, "03-automation"), "Challenge 4: Validate a tool")
    assert "Cellpose" in challenge


def test_generative_ai_in_the_research_group_covers_what_the_issue_asks_and_has_its_challenge():
    page = episode_text(AI, "09-practicalities")
    text = section(page, "Generative AI in the research group")
    for needle in ("coding assistant", "invented", "Disclose", "confidential", "peer review", "Funders and journals"):
        assert needle.lower() in text.lower(), needle
    assert "walters2023fabrication" in cited(text)
    assert "chatbot" in section(page, "Challenge 4: A student's analysis written with a chatbot").lower()


@pytest.mark.parametrize(("stem", "heading", "needles"), [
    ("01-projects-and-people", "The research lifecycle", ["plan and fund", "publish and share", "preserve and reuse"]),
    ("01-projects-and-people", "Costing people and tools in a grant", ["research software engineer", "data steward"]),
    ("02-reproducibility", "Analysis choices: p-hacking, HARKing and registered reports", ["preregist", "registered report"]),
    ("03-setting-up", "Backups: the 3-2-1 rule", ["**3** copies", "**2** different kinds of storage", "**1** copy somewhere else"]),
    ("03-setting-up", "Five minutes of Markdown", ["```markdown"]),
    ("04-research-data", "Tidy spreadsheets", ["one row", "column"]),
    ("04-research-data", "Patients and the public as partners", ["involvement", "GRIPP2"]),
    ("05-coding-practice", "Leading code review when you do not read code",
     ["lab-meeting code tour", "pair review", "asynchronous review", "what to ask when you can't read the code"]),
])
def test_the_management_masterclass_has_the_sections_the_issue_asked_for(stem, heading, needles):
    text = section(episode_text(MANAGEMENT, stem), heading).lower()
    for needle in needles:
        assert needle.lower() in text, (stem, heading, needle)


def test_uk_data_protection_is_stated_correctly_in_both_lessons():
    for text in (section(episode_text(MANAGEMENT, "04-research-data"), "Sensitive and personal data"),
                 section(episode_text(AI, "08-pitfalls"), "Ethics, privacy and regulation")):
        flat = " ".join(text.split())
        assert "UK GDPR" in flat and "Data Protection Act 2018" in flat, flat[:200]
        assert re.search(r"\*?\*?public task\*?\*?", flat) and "not consent" in flat.replace("*", "")


def test_no_page_of_the_ai_masterclass_still_uses_digits_as_stand_ins_for_cells():
    """Issue 16 item 7: the handwritten digits are gone from every page, figure text and workshop."""
    files = [p for p in AI.rglob("*") if p.suffix in {".md", ".yaml", ".svg", ".bib"} and ".lessonkit" not in p.parts]
    files += sorted((LESSONS / "workshops").glob("intro-data-science-ai*"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        for needle in ("load_digits", "handwritten digit", "Handwritten Digits", "8-by-8", "8 by 8", "0 to 9",
                       "stand-in", "standing in for cell"):
            assert needle not in text, (path.relative_to(LESSONS), needle)
    automation, networks = episode_text(AI, "03-automation"), episode_text(AI, "06-neural-networks")
    for text in (automation, networks):
        assert 'io.imread("data/dsb2018-nuclei.png")' in text and 'io.imread("data/dsb2018-nuclei-mask.png")' in text
    assert "caicedo2019dsb" in cited(automation)
    # The random split against a split by the unit that carries the label, tied to the pitfalls episode
    assert "GroupKFold" in networks and "whole nuclei kept together" in networks and "08-pitfalls.md" in networks
    assert "06-neural-networks.md" in episode_text(AI, "08-pitfalls")
