"""The package's folders are layers of the pipeline, and every import points down.

A module may import from its own layer or any layer below it, never above:
that is what lets a newcomer tell which room a line of code lives in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "imscheck"

# top to bottom
LAYERS = ["cli", "commands", "api", "reports", "verdicts", "engines", "knowledge", "evidence", "load", "base"]
TOP_LEVEL = {"cli": "cli", "__main__": "cli", "api": "api"}


def layer_of(module: str) -> str:
    """``imscheck.engines.facts`` -> ``engines``; modules at the top level are the base unless named above."""
    parts = module.split(".")[1:]
    if not parts:
        return "base"
    if (PACKAGE / parts[0]).is_dir():
        return parts[0]
    return TOP_LEVEL.get(parts[0], "base")


def imports_of(path: Path) -> list[tuple[int, str]]:
    module_parts = ["imscheck", *path.relative_to(PACKAGE).with_suffix("").parts]
    package = module_parts[:-1] if path.name != "__init__.py" else module_parts[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("imscheck"):
                continue
            if node.module is None or target == "imscheck":
                found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name.startswith("imscheck"))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_point_down(path: Path) -> None:
    own = layer_of("imscheck." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    upward = []
    for line, target in imports_of(path):
        other = layer_of(target)
        if other == "base" and target.split(".")[-1] == "__version__":
            continue
        if LAYERS.index(other) < LAYERS.index(own):
            upward.append(f"line {line}: {own} imports {target} ({other})")
    assert not upward, "\n".join(upward)


def test_every_folder_is_a_known_layer() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(LAYERS), folders - set(LAYERS)
