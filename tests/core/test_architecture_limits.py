"""Architecture limits (issue #12): no function in the package is longer than 60 lines.

A long function is split into named steps (docs/architecture.md). The allow-list below names the
functions that are longer today, each with the length it may not exceed; it is meant to shrink.
Alembic migrations (``feedback/migrations``) are generated schema scripts and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lessonkit

PACKAGE = Path(lessonkit.__file__).parent
MAX_LINES = 60
SKIPPED = ("feedback/migrations/",)

#: "module path:qualified name" -> the most lines it may have. Keep this short.
ALLOWED = {
}


def function_lengths(source: str) -> dict[str, int]:
    """Every function and method of a module by qualified name (``Class.method``, ``outer.inner``) and its
    length in lines, decorators excluded."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                found[name] = child.end_lineno - child.lineno + 1
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def package_functions() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(SKIPPED):
            continue
        for name, lines in function_lengths(path.read_text(encoding="utf-8")).items():
            lengths[f"{rel}:{name}"] = lines
    return lengths


def test_the_length_of_functions_is_measured_as_the_limit_means():
    source = "class A:\n    def f(self):\n        def g():\n            return 1\n        return g\n\n\ndef h():\n    pass\n"
    assert function_lengths(source) == {"A.f": 4, "A.f.g": 2, "h": 2}


def test_no_function_is_longer_than_60_lines():
    lengths = package_functions()
    assert len(lengths) > 1000  # the walk saw the package
    too_long = {name: lines for name, lines in lengths.items()
                if lines > ALLOWED.get(name, MAX_LINES)}
    assert not too_long, (
        f"functions over {MAX_LINES} lines (or longer than the allow-list lets them be): {too_long}; "
        "split them into named steps (docs/architecture.md)")


def test_the_allow_list_names_only_functions_that_still_need_it():
    lengths = package_functions()
    stale = {name: lengths.get(name) for name in ALLOWED if lengths.get(name, 0) <= MAX_LINES}
    assert not stale, f"remove these from ALLOWED in {Path(__file__).name} (gone or short enough now): {stale}"
