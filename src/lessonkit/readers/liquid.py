"""Resolving the Liquid (Jekyll) expressions found in styles lessons.

Only what lessons use is understood: ``{{ page.root }}``, ``{{ site.* }}``,
``{{ page.* }}``, ``{{ relative_root_path }}``, the includes the styles template
provides (``links.md``, ``base_path.html``, ...), and ``{% raw %}``. Anything else
is kept verbatim and reported, so that nothing disappears silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

OUTPUT = re.compile(r"\{\{-?\s*([^{}]*?)\s*-?\}\}")
TAG = re.compile(r"\{%-?\s*(\w+)\s*([^%]*?)\s*-?%\}")

#: Includes that only set Liquid variables or load links: removed without a word.
SILENT_INCLUDES = {"links.md", "base_path.html", "gh_variables.html", "manual_episode_order.html"}
#: Includes of the styles template that add site chrome the lesson site makes itself
#: (schedule, key points, figures, Carpentries blurbs): removed, and noted.
CHROME_INCLUDES = {"carpentries.html", "swc/intro.html", "dc/intro.html", "lc/intro.html", "aio-script.md",
                   "lesson_footer.html", "episode_keypoints.html", "all_keypoints.html", "syllabus.html",
                   "links.html", "figures.html", "main_title.html", "episode_title.html", "episode_navbar.html",
                   "episode_overview.html", "dc/schedule.html", "swc/schedule.html", "lc/schedule.html",
                   "instructors.html", "maintainers.html", "setup.html"}
LINK_MARK = "\x01"
ROOT_NAMES = {"page.root", "relative_root_path", "site.baseurl", "base_url", "site.url"}


@dataclass
class Unresolved:
    line: int  # 1-based, relative to the text given
    column: int
    text: str
    dropped: bool = False  # True: a template include that was removed (its content is site chrome)


@dataclass
class LiquidContext:
    root: str  # path from the page to the lesson root ("." or "..")
    site: dict[str, Any] = field(default_factory=dict)
    page: dict[str, Any] = field(default_factory=dict)

    def lookup(self, name: str) -> str | None:
        name = name.split("|")[0].strip()  # filters are ignored
        if name in ROOT_NAMES:
            return self.root
        if name == "repo_url" or name == "site.github.repository_url":
            return str(self.site.get("repository_url", "")) or None
        if name == "source_branch":
            return str(self.site.get("branch", "gh-pages"))
        for prefix, values in (("site.", self.site), ("page.", self.page)):
            if name.startswith(prefix):
                value: Any = values
                for part in name[len(prefix):].split("."):
                    if not isinstance(value, dict) or part not in value:
                        return None
                    value = value[part]
                if isinstance(value, str | int | float) and not isinstance(value, bool):
                    return str(value)
                return None
        return None


def resolve(text: str, context: LiquidContext) -> tuple[str, list[Unresolved]]:
    """Text with the Liquid it understands resolved; the rest kept and listed."""
    if "{{" not in text and "{%" not in text:
        return text, []
    unresolved: list[Unresolved] = []
    lines = text.split("\n")
    in_raw = False
    for index, line in enumerate(lines):
        if in_raw:
            if re.search(r"\{%-?\s*endraw\s*-?%\}", line):
                line = re.sub(r"\{%-?\s*endraw\s*-?%\}", "", line)
                in_raw = False
            lines[index] = line
            continue
        if "{%" in line:
            line, in_raw = _tags(line, index, context, unresolved)
        if "{{" in line and not in_raw:
            line = _outputs(line, index, context, unresolved)
        if LINK_MARK in line:
            # "{{ page.root }}{% link x %}" and a bare "{% link x %}" both mean x from the lesson's root.
            line = line.replace(context.root + LINK_MARK, context.root + "/").replace(LINK_MARK, context.root + "/")
        lines[index] = line
    return "\n".join(lines), unresolved


def _outputs(line: str, index: int, context: LiquidContext, unresolved: list[Unresolved]) -> str:
    def replace(m: re.Match) -> str:
        value = context.lookup(m.group(1))
        if value is None:
            unresolved.append(Unresolved(index + 1, m.start() + 1, m.group(0)))
            return m.group(0)
        return value

    return OUTPUT.sub(replace, line)


def _tags(line: str, index: int, context: LiquidContext, unresolved: list[Unresolved]) -> tuple[str, bool]:
    raw = False

    def replace(m: re.Match) -> str:
        nonlocal raw
        tag, argument = m.group(1), m.group(2).strip()
        if tag == "include" and argument.split()[0] in SILENT_INCLUDES:
            return ""
        if tag == "include" and argument.split()[0] in CHROME_INCLUDES:
            unresolved.append(Unresolved(index + 1, m.start() + 1, m.group(0), dropped=True))
            return ""
        if tag == "link" and argument:  # Jekyll's link tag: the address of a file of the site
            return f"{LINK_MARK}{argument.split()[0]}"
        if tag == "raw":
            raw = True
            return ""
        if tag == "endraw":
            raw = False
            return ""
        if tag in ("comment", "endcomment"):
            return ""
        unresolved.append(Unresolved(index + 1, m.start() + 1, m.group(0)))
        return m.group(0)

    line = TAG.sub(replace, line)
    return line, raw
