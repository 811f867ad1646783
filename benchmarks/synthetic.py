"""A synthetic Workbench lesson for benchmarks: N episodes of about 1,500 words each,
with headings, code blocks, output blocks, tables, lists, links, images and
challenge/solution/callout/instructor blocks.  Deterministic for a given seed."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = ["cell", "sample", "protein", "assay", "measure", "culture", "plate", "signal", "gene", "expression", "count", "model", "data", "analysis", "result", "replicate", "control", "batch", "image", "microscope", "sequence", "read", "align", "variant", "cohort", "patient", "clinical", "trial", "dose", "response", "curve", "fit", "estimate", "error", "noise", "bias", "variance", "feature", "label", "train", "test", "split", "score", "metric", "threshold", "cluster", "group", "mean", "median", "spread", "outlier", "pipeline", "script", "notebook", "version", "commit", "review", "test", "document", "share", "archive", "licence", "cite"]


def sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}()`"
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def episode(number: int, total: int, rng: random.Random) -> str:
    parts = [
        "---",
        f'title: "Episode {number}: {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}"',
        f"teaching: {rng.randint(10, 40)}",
        f"exercises: {rng.randint(5, 20)}",
        "---",
        "",
        ":::::::::::::::::::::::::::::::::::::: questions",
        "",
        f"- How do we {rng.choice(WORDS)} a {rng.choice(WORDS)}?",
        f"- Why does {rng.choice(WORDS)} matter?",
        "",
        "::::::::::::::::::::::::::::::::::::::::::::::::",
        "",
        "::::::::::::::::::::::::::::::::::::: objectives",
        "",
        f"- Explain {rng.choice(WORDS)}.",
        f"- Use {rng.choice(WORDS)} to {rng.choice(WORDS)}.",
        "",
        "::::::::::::::::::::::::::::::::::::::::::::::::",
        "",
    ]
    other = rng.randint(1, total)
    for section in range(4):
        parts += [f"## Section {section + 1}: {rng.choice(WORDS)} {rng.choice(WORDS)}", ""]
        parts += [paragraph(rng, 8), ""]
        parts += [f"See [episode {other}](episode-{other:04d}.md) and the [glossary](../learners/reference.md).", ""]
        parts += ["```python", f"values = [{', '.join(str(rng.randint(1, 99)) for _ in range(6))}]",
                  "total = sum(values)", "print(total / len(values))", "```", "",
                  "```output", f"{rng.random() * 100:.2f}", "```", ""]
        parts += [paragraph(rng, 6), ""]
        if section == 1:
            parts += ["| Sample | Count | Mean |", "|--------|------:|-----:|"]
            parts += [f"| S{i} | {rng.randint(1, 500)} | {rng.random():.3f} |" for i in range(6)]
            parts += ["", "![A figure of counts](fig/counts.svg){alt='Bar chart of counts per sample'}", ""]
        if section == 2:
            parts += ["- " + sentence(rng, 5, 9) for _ in range(5)] + [""]
            parts += ["```bash", "$ ls data/ | wc -l", "```", ""]
        parts += [
            "::::::::::::::::::::::::::::::::::::: challenge", "",
            f"### Challenge {section + 1}", "", paragraph(rng, 3), "",
            ":::::::::::::::: solution", "", "### Solution", "", paragraph(rng, 3), "",
            ":::::::::::::::::::::::::", "",
            "::::::::::::::::::::::::::::::::::::::::::::::::", "",
        ]
        if section == 0:
            parts += ["::::::::::::::::::::::::::::::::::::: callout", "", "### Note", "", paragraph(rng, 3), "",
                      "::::::::::::::::::::::::::::::::::::::::::::::::", ""]
        if section == 3:
            parts += ["::::::::::::::::::::::::::::::::::::: instructor", "", paragraph(rng, 2), "",
                      "::::::::::::::::::::::::::::::::::::::::::::::::", ""]
    parts += ["::::::::::::::::::::::::::::::::::::: keypoints", "",
              f"- {sentence(rng, 5, 9)}", f"- {sentence(rng, 5, 9)}", "",
              "::::::::::::::::::::::::::::::::::::::::::::::::", ""]
    return "\n".join(parts)


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><title>Counts</title>'
       '<rect x="2" y="8" width="8" height="12"/><rect x="14" y="4" width="8" height="16"/></svg>\n')


def make_lesson(root: Path, episodes: int = 1000, seed: int = 1) -> Path:
    rng = random.Random(seed)
    (root / "episodes/fig").mkdir(parents=True, exist_ok=True)
    (root / "learners").mkdir(exist_ok=True)
    names = [f"episode-{i:04d}.md" for i in range(1, episodes + 1)]
    for number, name in enumerate(names, start=1):
        (root / "episodes" / name).write_text(episode(number, episodes, rng))
    (root / "episodes/fig/counts.svg").write_text(SVG)
    (root / "learners/reference.md").write_text("---\ntitle: Reference\n---\n\n## Glossary\n\nCell\n:   A unit.\n")
    (root / "index.md").write_text("---\nsite: sandpaper::sandpaper_site\n---\n\nA synthetic lesson.\n")
    (root / "LICENSE.md").write_text("---\ntitle: Licence\n---\n\nText under CC BY 4.0.\n")
    (root / "CODE_OF_CONDUCT.md").write_text("---\ntitle: Code of conduct\n---\n\nBe kind.\n")
    (root / "CITATION.cff").write_text("cff-version: 1.2.0\nmessage: Cite it.\ntitle: Synthetic Lesson\n"
                                       "authors:\n- name: Benchmark\n")
    config = ["title: 'Synthetic Lesson'", "carpentry: 'incubator'", "life_cycle: 'stable'",
              "license: 'CC-BY 4.0'", "source: 'https://github.com/example/synthetic'",
              "contact: 'lessons@example.org'", "episodes:"] + [f"- {n}" for n in names] + ["learners:", "- reference.md"]
    (root / "config.yaml").write_text("\n".join(config) + "\n")
    return root


def words_per_episode(root: Path) -> float:
    files = sorted((root / "episodes").glob("*.md"))
    return sum(len(p.read_text().split()) for p in files) / max(1, len(files))
