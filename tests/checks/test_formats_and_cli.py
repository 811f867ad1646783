"""``lessonkit check`` on the command line: exit codes and the json, sarif and github formats."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from testsupport import FIXTURES

BROKEN = FIXTURES / "broken"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lessonkit", "check", *args], capture_output=True, text=True,
                          timeout=120)


def test_exit_codes():
    assert check(str(BROKEN / "clean")).returncode == 0
    warned = BROKEN / "link-text-vague"
    assert check(str(warned)).returncode == 0
    assert check(str(warned), "--strict").returncode == 1
    assert check(str(BROKEN / "div-unclosed")).returncode == 1
    assert check(str(BROKEN / "clean"), "--format", "xml").returncode == 2
    assert check("/no/such/lesson").returncode == 2


def test_text_output_has_location_message_rule_and_fix():
    result = check(str(BROKEN / "div-unclosed"))
    assert "episodes/intro.md:19: error: block 'challenge' opened here is never closed [div-unclosed]" in result.stdout
    assert "fix: Add a line of colons" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_output():
    result = check(str(BROKEN / "image-wrong-case"), "--format", "json")
    data = json.loads(result.stdout)
    assert data == [{
        "path": "episodes/intro.md", "line": 19, "column": 1, "rule": "link-target-missing", "severity": "warning",
        "message": data[0]["message"], "fix": data[0]["fix"],
    }]
    assert "fig/plot.svg" in data[0]["message"] and "case-sensitive" in data[0]["message"]
    assert json.loads(check(str(BROKEN / "clean"), "--format", "json").stdout) == []


def test_sarif_output():
    log = json.loads(check(str(BROKEN / "heading-skip"), "--format", "sarif").stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "lessonkit"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["heading-skip"]
    [result] = run["results"]
    assert result["ruleId"] == "heading-skip" and result["level"] == "warning" and result["ruleIndex"] == 0
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "episodes/intro.md", "uriBaseId": "LESSON"}
    assert location["region"] == {"startLine": 19, "startColumn": 1}
    assert run["originalUriBaseIds"]["LESSON"]["uri"].startswith("file://")


def test_github_annotations():
    lines = check(str(BROKEN / "div-unclosed"), "--format", "github").stdout.splitlines()
    assert lines == ["::error file=episodes/intro.md,line=19,title=div-unclosed::block 'challenge' opened here is "
                     "never closed — fix: Add a line of colons (e.g. '%3A%3A%3A%3A%3A%3A%3A') where the block ends."
                     .replace("%3A", ":")]


def test_build_reports_the_same_diagnostics_as_check(tmp_path: Path):
    lesson = tmp_path / "lesson"
    shutil.copytree(BROKEN / "link-missing-anchor", lesson)
    checked = json.loads(check(str(lesson), "--format", "json").stdout)
    built = subprocess.run([sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(tmp_path / "site")],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0
    for item in checked:
        assert f"{item['path']}:{item['line']}:{item['column']}: {item['severity']}: {item['message']}" in \
            " ".join(built.stderr.split())
    strict = subprocess.run([sys.executable, "-m", "lessonkit", "build", str(lesson), "--out", str(tmp_path / "s2"),
                             "--strict"], capture_output=True, text=True, timeout=120)
    assert strict.returncode == 1 and not (tmp_path / "s2").exists()
