"""The rule registry: complete as soon as it is imported, each id once, inputs injected by name,
and the snippet helper that runs one rule on a few lines of Markdown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lessonkit.checks import RULES, check_markdown
from lessonkit.checks.registry import RULE_MODULES, collect
from lessonkit.checks.rule import Finding, Rule, rule
from lessonkit.checks.scan import Spot
from lessonkit.diagnostics import Severity

#: Every rule of lessonkit check; adding one means documenting it and raising this number.
RULE_COUNT = 59  # + link-other-lesson


def test_the_registry_holds_every_rule():
    assert len(RULES) == RULE_COUNT
    assert len({r.id for r in RULES.values()}) == RULE_COUNT
    assert all(isinstance(r, Rule) and r.id == key for key, r in RULES.items())
    assert {r.scope for r in RULES.values()} == {"page", "lesson"}


def test_the_registry_is_complete_when_imported_alone():
    """No import side effects: the registry module on its own has every rule (a fresh interpreter)."""
    code = "from lessonkit.checks.registry import RULES; print(len(RULES))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert int(out.stdout) == RULE_COUNT


def test_every_rule_is_documented():
    catalogue = (Path(__file__).resolve().parents[2] / "docs/checks.md").read_text()
    for rule_id, item in RULES.items():
        assert f"| `{rule_id}` |" in catalogue, rule_id
        assert item.summary


def test_collect_refuses_two_rules_with_one_id():
    import types

    module = types.ModuleType("twice")
    module.a = rule("same-id", Severity.INFO, "a")(lambda scan: ())
    module.b = rule("same-id", Severity.INFO, "b")(lambda scan: ())
    with pytest.raises(ValueError, match="same-id"):
        collect([module])
    assert len(collect(RULE_MODULES)) == RULE_COUNT


def test_inputs_are_named_by_parameters():
    page_rule = rule("x-page", Severity.INFO, "x")(lambda page, site: ())
    lesson_rule = rule("x-lesson", Severity.INFO, "x")(lambda lesson, config: ())
    assert page_rule.inputs == ("page", "site") and page_rule.scope == "page"
    assert lesson_rule.scope == "lesson"
    with pytest.raises(TypeError, match="unknown inputs"):
        rule("x-bad", Severity.INFO, "x")(lambda pages: ())


def test_a_finding_becomes_a_diagnostic_with_the_rule_id_and_severity():
    item = rule("x-finding", Severity.WARNING, "x")(
        lambda scan: [Finding(Spot("episodes/a.md", 3, 4), "wrong", "fix it"),
                      Finding(Spot("episodes/a.md", 5), "worse", "fix it", Severity.ERROR)])
    first, second = item.diagnostics({"scan": None})
    assert (first.path, first.line, first.column, first.rule, first.severity) == ("episodes/a.md", 3, 4, "x-finding",
                                                                                  Severity.WARNING)
    assert (second.column, second.severity) == (1, Severity.ERROR)


def test_check_markdown_runs_one_rule_on_a_snippet():
    [d] = check_markdown("Text.\n\n![](fig/x.png){alt=''}", "image-alt-missing")
    assert (d.rule, d.path, d.line, d.column) == ("image-alt-missing", "episodes/page.md", 3, 1)
    assert check_markdown("## Fine\n\nText.", "heading-skip") == []
    # without a rule id: every page rule
    assert {d.rule for d in check_markdown("#### Deep\n\n[x](missing.md)")} >= {"heading-skip", "link-target-missing",
                                                                                 "link-text-short"}


def test_every_page_rule_runs_on_a_snippet_without_error():
    for rule_id, item in RULES.items():
        if item.scope == "page":
            assert isinstance(check_markdown("# T\n\n[a](http://x.org) ![](y.png)\n\n| a |\n|---|", rule_id), list)
