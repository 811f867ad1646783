"""Small lessons for the credit tests, made in a temporary folder."""

from __future__ import annotations

from pathlib import Path

from lessonkit.scaffold import create_lesson

BIB = """@article{obermeyer2019,
  author = {Obermeyer, Ziad and Powers, Brian and Vogeli, Christine and Mullainathan, Sendhil},
  title = {Dissecting racial bias in an algorithm used to manage the health of populations},
  journal = {Science},
  volume = {366},
  number = {6464},
  pages = {447--453},
  year = {2019},
  doi = {10.1126/science.aax2342}
}

@misc{turingway2022,
  author = {{The Turing Way Community}},
  title = {The Turing Way: A handbook for reproducible, ethical and collaborative research},
  year = {2022},
  publisher = {Zenodo},
  doi = {https://doi.org/10.5281/zenodo.3233853}
}
"""


def lesson_with(tmp_path: Path, episode_text: str, files: dict[str, str] | None = None,
                config_extra: str = "") -> Path:
    """A new lesson whose one episode starts with ``episode_text`` (on line 7), before the scaffold's text."""
    root = tmp_path / "lesson"
    create_lesson(root, title="Credit test lesson")
    episode = root / "episodes" / "introduction.md"
    text = episode.read_text()
    front, _, body = text.partition("\n---\n")
    episode.write_text(front + "\n---\n\n" + episode_text + "\n\n" + body.lstrip("\n"))
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    if config_extra:
        with (root / "config.yaml").open("a") as handle:
            handle.write("\n" + config_extra + "\n")
    return root
