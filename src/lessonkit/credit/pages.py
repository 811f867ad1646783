"""The Contributors, Image credits and Cite this lesson pages, and figure credit lines (HTML)."""

from __future__ import annotations

import fnmatch
from html import escape

from lessonkit.credit.bibliography import _link_dois
from lessonkit.credit.vocab import ALL_CONTRIBUTORS, CREDIT_ROLES, licence_label, licence_url
from lessonkit.site.links import ROOT

RELATIONS = {
    "isDerivedFrom": "This lesson is derived from",
    "isSupplementTo": "This lesson supplements",
    "isPartOf": "This lesson is part of",
    "references": "This lesson draws on",
    "isNewVersionOf": "This lesson is a new version of",
    "continues": "This lesson continues",
    "isDocumentedBy": "Documented by",
    "isSourceOf": "This lesson is a source of",
}


def _link(text: str, href: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>' if href else escape(text)


def licence_html(spdx: str) -> str:
    if not spdx:
        return "licence not recorded"
    return _link(licence_label(spdx), licence_url(spdx))


def credit_line_html(entry) -> str:
    """The TASL credit line: title, author, source, licence (or the wording the source asks for)."""
    if entry.credit:
        return _link_dois(escape(entry.credit))
    parts = []
    title = f"“{escape(entry.title)}”" if entry.title else "Image"
    parts.append(f'<a href="{escape(entry.link)}">{title}</a>' if entry.link else title)
    if entry.creators:
        parts.append(" by " + escape(_names(entry.creators)))
    parts.append(", " + licence_html(entry.licence))
    if entry.modified:
        parts.append("; adapted for this lesson")
    return "".join(parts) + "."


def _names(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _person_html(person) -> str:
    name = escape(person.name)
    if person.orcid:
        name += (f' <a class="orcid" href="https://orcid.org/{escape(person.orcid)}" '
                 f'aria-label="ORCID iD of {escape(person.name)}">ORCID {escape(person.orcid)}</a>')
    if person.affiliation:
        name += " (" + _link(person.affiliation, person.ror) + ")"
    return name


def contributors_page(credit) -> str:
    contributors = credit.contributors
    parts: list[str] = []
    authors = contributors.authors
    if authors:
        parts.append('<h2 id="authors">Authors</h2><ul class="contributors-authors">'
                     + "".join(f"<li>{_person_html(p)}</li>" for p in authors) + "</ul>")
    by_role: dict[str, list[str]] = {}
    for person in contributors.everyone:
        for role in person.roles:
            by_role.setdefault(role, []).append(escape(person.name))
    if by_role:
        rows = "".join(f'<tr><th scope="row">{escape(CREDIT_ROLES[role])}</th><td>{", ".join(names)}</td></tr>'
                       for role, names in sorted(by_role.items(), key=lambda kv: list(CREDIT_ROLES).index(kv[0])))
        parts.append('<h2 id="roles">Contributions by role</h2>'
                     '<p>Roles from the <a href="https://credit.niso.org/">CRediT taxonomy</a>.</p>'
                     '<div class="table-wrapper" tabindex="0"><table><thead><tr><th scope="col">Role</th>'
                     f'<th scope="col">Who</th></tr></thead><tbody>{rows}</tbody></table></div>')
    if contributors.people:
        items = []
        for person in contributors.people:
            items.append(f"<li>{_person_html(person)}{_did(person)}</li>")
        parts.append('<h2 id="people">People</h2><ul class="contributors-people">' + "".join(items) + "</ul>")
    if contributors.groups:
        items = []
        for group in contributors.groups:
            size = f" ({group.size} people)" if group.size else ""
            members = f"<br>Members who agreed to be named: {escape(', '.join(group.members))}." if group.members else ""
            # The description comes once, after the roles (from _did), as for a person.
            items.append(f"<li><strong>{_link(group.name, group.url)}</strong>{size}{members}{_did(group)}</li>")
        parts.append('<h2 id="groups">Groups</h2><p>People credited together, as a group.</p>'
                     '<ul class="contributors-groups">' + "".join(items) + "</ul>")
    if contributors.related:
        parts.append('<h2 id="related">Related works</h2><ul class="related-works">'
                     + "".join(f"<li>{_work_html(w)}</li>" for w in contributors.related) + "</ul>")
    if contributors.funding:
        parts.append('<h2 id="funding">Funding</h2><ul>' + "".join(
            f"<li>{_link(f.name, f.ror)}{(' — ' + escape(f.award)) if f.award else ''}"
            f"{('. ' + escape(f.description)) if f.description else ''}</li>" for f in contributors.funding) + "</ul>")
    return "".join(parts) or "<p>No contributors are listed yet.</p>"


def _did(person) -> str:
    pieces = []
    if person.roles:
        pieces.append("Roles: " + ", ".join(escape(CREDIT_ROLES[r]) for r in person.roles) + ".")
    if person.contributions:
        pieces.append("Contributions: " + ", ".join(escape(ALL_CONTRIBUTORS[c]) for c in person.contributions) + ".")
    if person.description:
        pieces.append(escape(person.description))
    return ("<br>" + " ".join(pieces)) if pieces else ""


def _work_html(work) -> str:
    href = f"https://doi.org/{work.doi}" if work.doi else work.url
    text = RELATIONS.get(work.relation, "Related") + " "
    text += f"<cite>{_link(work.title, href)}</cite>"
    if work.authors:
        text += " by " + escape(_names(work.authors))
    if work.year:
        text += f" ({escape(work.year)})"
    if work.licence:
        text += ", " + licence_html(work.licence)
    text += "."
    if work.description:
        text += " " + escape(work.description)
    return text


def image_credits_page(credit) -> str:
    illustrations = credit.illustrations
    lesson = credit.lesson
    targets = {}
    for asset in lesson.assets:
        try:
            targets[asset.source.relative_to(lesson.root).as_posix()] = asset.target
        except ValueError:
            continue
    reused, own = [], []
    for entry in illustrations.entries:
        files = sorted(p for p in targets if fnmatch.fnmatchcase(p, entry.file)) if entry.pattern else [entry.file]
        for path in files:
            target = targets.get(path, "")
            image = (f'<img src="{ROOT}{escape(target)}" alt="{escape(entry.alt or "")}" loading="lazy" width="160">'
                     if target else "")
            row = (f"<tr><td>{image}</td><td>{escape(entry.title or path)}</td>"
                   f"<td>{credit_line_html(entry) if entry.reused else escape(_own_line(entry, credit))}</td></tr>")
            (reused if entry.reused else own).append(row)
    parts = []
    head = ('<div class="table-wrapper" tabindex="0"><table><thead><tr><th scope="col">Image</th>'
            '<th scope="col">Title</th><th scope="col">Credit</th></tr></thead><tbody>')
    if reused:
        parts.append('<h2 id="reused">Images from other works</h2>' + head + "".join(reused) + "</tbody></table></div>")
    if own:
        parts.append('<h2 id="own">Images made for this lesson</h2>' + head + "".join(own) + "</tbody></table></div>")
    return "".join(parts) or "<p>The illustrations file lists no images.</p>"


def _own_line(entry, credit) -> str:
    who = _names(entry.creators) if entry.creators else "the lesson's authors"
    licence = licence_label(entry.licence) if entry.licence else "the lesson's licence"
    return f"Made by {who} for this lesson; {licence}."


def cite_page(credit) -> str:
    from lessonkit.credit.metadata import apa_citation, bibtex, lesson_metadata

    meta = lesson_metadata(credit.lesson, credit.contributors)
    parts = ["<p>If you teach, use or adapt this lesson, please cite it.</p>",
             '<h2 id="apa">APA</h2>', f'<p class="citation-apa">{apa_citation(meta)}</p>',
             '<h2 id="bibtex">BibTeX</h2>', f'<pre class="citation-bibtex" tabindex="0"><code>{escape(bibtex(meta))}</code></pre>']
    if (credit.lesson.root / "CITATION.cff").is_file():
        parts.append("<p>The lesson's repository also has a <code>CITATION.cff</code> file "
                     "(Citation File Format), which GitHub and Zenodo read.</p>")
    if meta.related:
        parts.append("<p>This lesson builds on other works: see the "
                     '<a href="contributors.html#related">related works</a>.</p>')
    return "".join(parts)
