"""Code examples that the masterclass text says run: written out as files and run, as a reader would."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from testsupport import ROOT

CODING = ROOT / "lessons/managing-computational-projects/episodes/05-coding-practice.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def example_files(page: Path) -> dict[str, str]:
    """Fenced blocks whose first line is a comment naming a file (`# src/plates.py`), by file name."""
    files = {}
    for _language, body in FENCE.findall(page.read_text(encoding="utf-8")):
        first, _, rest = body.partition("\n")
        match = re.fullmatch(r"# ([\w./-]+\.(?:py|toml))", first.strip())
        if match:
            files[match.group(1)] = rest
    return files


def run_pytest(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
                          cwd=project, capture_output=True, text=True, timeout=120)


def write_project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def test_the_coding_episode_names_a_src_layout_not_code():
    files = example_files(CODING)
    assert set(files) == {"src/plates.py", "tests/test_plates.py", "pyproject.toml"}
    assert "from code." not in CODING.read_text(encoding="utf-8")


def test_the_pytest_example_in_the_coding_episode_passes_as_written(tmp_path):
    project = write_project(tmp_path, example_files(CODING))
    result = run_pytest(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_the_pytest_example_fails_when_the_function_is_wrong(tmp_path):
    """The example test really checks the function: break the function and pytest says so."""
    files = example_files(CODING)
    files["src/plates.py"] = files["src/plates.py"].replace("100 * value / mean", "100 * value / (mean + 1)")
    result = run_pytest(write_project(tmp_path, files))
    assert result.returncode == 1 and "1 failed" in result.stdout, result.stdout
