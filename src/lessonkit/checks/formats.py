"""Diagnostics as JSON, SARIF 2.1.0 and GitHub Actions annotations (text is in lessonkit.reporting)."""

from __future__ import annotations

import json

from lessonkit import __version__
from lessonkit.diagnostics import Diagnostic, Severity

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def as_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"


def as_sarif(diagnostics: list[Diagnostic], root_uri: str = "") -> str:
    from lessonkit.checks.registry import RULES

    used = sorted({d.rule for d in diagnostics})
    rules = []
    for rule_id in used:
        rule = RULES.get(rule_id)
        entry: dict = {"id": rule_id, "helpUri": f"https://github.com/lessonkit/lessonkit/blob/main/docs/checks.md#{rule_id}"}
        if rule is not None:
            entry["shortDescription"] = {"text": rule.summary}
            entry["defaultConfiguration"] = {"level": SARIF_LEVEL[rule.severity]}
        rules.append(entry)
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = []
    for d in diagnostics:
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": d.path or ".", "uriBaseId": "LESSON"}}}
        if d.line:
            region: dict = {"startLine": d.line}
            if d.column:
                region["startColumn"] = d.column
            location["physicalLocation"]["region"] = region
        message = d.message + (f" Fix: {d.fix}" if d.fix else "")
        results.append({"ruleId": d.rule, "ruleIndex": index[d.rule], "level": SARIF_LEVEL[d.severity],
                        "message": {"text": message}, "locations": [location]})
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lessonkit", "version": __version__,
                                "informationUri": "https://github.com/lessonkit/lessonkit", "rules": rules}},
            "originalUriBaseIds": {"LESSON": {"uri": root_uri}} if root_uri else {},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def as_github(diagnostics: list[Diagnostic], prefix: str = "") -> str:
    """One ``::error file=...,line=...,col=...,title=...::message`` line per diagnostic."""
    lines = []
    for d in diagnostics:
        properties = [f"file={_escape(prefix + d.path, True)}"]
        if d.line:
            properties.append(f"line={d.line}")
            if d.column:
                properties.append(f"col={d.column}")
        properties.append(f"title={_escape(d.rule, True)}")
        message = d.message + (f" — fix: {d.fix}" if d.fix else "")
        lines.append(f"::{GITHUB_LEVEL[d.severity]} {','.join(properties)}::{_escape(message)}")
    return "\n".join(lines) + ("\n" if lines else "")
