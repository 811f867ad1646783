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


PITFALLS = ROOT / "lessons/intro-data-science-ai/episodes/08-pitfalls.md"


def chunk(page: Path, label: str) -> str:
    match = re.search(r"^```\{python " + re.escape(label) + r"\b[^\n]*\}\n(.*?)^```", page.read_text(encoding="utf-8"),
                      re.S | re.M)
    assert match, label
    return match.group(1)


def test_the_real_image_split_shows_what_the_pitfalls_text_says():
    """Tiles split at random look predictive of made-up labels; split by field they do not."""
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    namespace = {"np": np, "pd": __import__("pandas"),
                 "folds": StratifiedKFold(n_splits=5, shuffle=True, random_state=0),
                 "cross_val_score": __import__("sklearn.model_selection", fromlist=["x"]).cross_val_score}
    assert "StratifiedKFold(n_splits=5, shuffle=True, random_state=0)" in chunk(PITFALLS, "leakage-demo")
    for label in ("ihc-fields", "ihc-tiles", "ihc-split"):
        exec(compile(chunk(PITFALLS, label).replace("plt.show()", "plt.close('all')"), label, "exec"), namespace)
    assert len(namespace["tiles"]) == 16 * 13 * 13 and len(set(namespace["field_of_tile"])) == 16
    assert namespace["by_tile"].mean() >= 0.7      # "about four tiles in five"
    assert 0.35 <= namespace["by_field"].mean() <= 0.65  # "about one half"


def test_the_citation_file_example_is_valid_citation_file_format():
    """The CITATION.cff shown in the publishing episode has the fields the format requires."""
    import yaml

    page = ROOT / "lessons/managing-computational-projects/episodes/06-publishing-and-credit.md"
    [example] = [body for language, body in FENCE.findall(page.read_text(encoding="utf-8"))
                 if language == "yaml" and "cff-version" in body]
    import datetime

    from jsonschema import Draft7Validator

    from lessonkit.credit.vocab import orcid_valid
    from lessonkit.credit.yamlfile import schema

    data = yaml.safe_load(example)
    # CFF tools read dates as text; PyYAML makes a date of the unquoted YYYY-MM-DD.
    data = {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in data.items()}
    # Valid against the Citation File Format's own 1.2.0 schema (shipped in lessonkit) ...
    validator = Draft7Validator(schema("cff-1.2.0.schema.json"), format_checker=Draft7Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(data)] == []
    # ... and every ORCID iD in it has a correct check digit (lessonkit's own rule would flag it).
    assert all(orcid_valid(a["orcid"]) for a in data["authors"] if "orcid" in a)
    assert data["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(data)
    assert all("family-names" in a and "given-names" in a for a in data["authors"])
    assert str(data["doi"]).startswith("10.") and str(data["date-released"]) == "2026-05-01"


SETUP = ROOT / "lessons/intro-data-science-ai/learners/setup.md"


def test_the_setup_page_example_runs_and_shows_a_table_and_its_install_line_names_every_requirement():
    """The setup page says: run this in a notebook; "if a table of measurements appears,
    everything is working". Run as written; and the pip line installs what requirements.txt lists."""
    import pandas as pd

    text = SETUP.read_text(encoding="utf-8")
    [code] = [body for language, body in FENCE.findall(text) if language == "python"]
    *statements, last = [line for line in code.strip().splitlines() if line.strip()]
    namespace: dict = {}
    exec(compile("\n".join(statements), "setup.md", "exec"), namespace)
    table = eval(compile(last, "setup.md", "eval"), namespace)  # what the notebook cell shows
    assert isinstance(table, pd.DataFrame) and table.shape == (5, 30)
    assert "a table of measurements appears" in text
    [install] = [line for language, body in FENCE.findall(text) if language == "bash"
                 for line in body.splitlines() if line.startswith("pip install")]
    requirements = (ROOT / "lessons/intro-data-science-ai/requirements.txt").read_text(encoding="utf-8")
    needed = {re.split(r"[<>=]", line)[0].strip() for line in requirements.splitlines()
              if line.strip() and not line.startswith("#")}
    assert needed <= set(install.split()[2:]), needed - set(install.split()[2:])
