"""The repository's configuration file, ``.imscheck.yaml``.

It is found by walking up from a starting folder, like ``.yamllint`` or
``.pre-commit-config.yaml``: the first folder holding one wins, and the walk
stops at the top of the git repository (a folder holding ``.git``) or at the
filesystem root, so a configuration never leaks in from outside the
repository. Paths and globs inside it are relative to its own folder, so a
command behaves the same from any sub-folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..containment import shown_path
from ..errors import InputError, Problem
from .schemacheck import schema_problems
from .yamlsource import YamlSource, read_yaml_file

CONFIG_NAME = ".imscheck.yaml"
CONFIG_SCHEMA = "config.schema.json"


@dataclass(frozen=True)
class Config:
    """A parsed configuration; paths are already resolved against its folder."""

    file: Path
    source: YamlSource
    ims: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    evidence_root: Path | None = None
    rules: tuple[Path, ...] = ()
    standards: tuple[str, ...] = ()
    engine: str | None = None
    reports: dict[str, str] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.file.parent

    def problem(self, parts: tuple[Any, ...], message: str, *, key: bool = False) -> Problem:
        return self.source.problem(parts, message, key=key)


def find_config(start: Path, top: Path | None = None) -> Path | None:
    """The nearest ``.imscheck.yaml`` at or above ``start``, not above the repository's top.

    ``top``: where to stop when the repository's top holds no ``.git`` (a revision copied out of git).
    """
    stop = Path(os.path.abspath(top)) if top is not None else None
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    while True:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if folder == stop or (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def load_config(file: Path) -> Config:
    """Read and check a configuration file; every problem is located (file:line:col)."""
    file = Path(os.path.abspath(file))
    source = read_yaml_file(file, shown_path(file))
    if source.data is None:
        source = replace(source, data={}, cache_key=None)  # an empty file: every default, located where its marks say
    problems = schema_problems(source, CONFIG_SCHEMA)
    if problems:
        raise InputError(problems)
    data = source.data
    folder = file.parent
    config = Config(
        file=file, source=source,
        ims=tuple(data.get("ims", ())), exclude=tuple(data.get("exclude", ())),
        evidence_root=(folder / data["evidence_root"]) if "evidence_root" in data else None,
        rules=tuple(folder / r for r in data.get("rules", ())),
        standards=tuple(data.get("standards", ())), engine=data.get("engine"),
        reports={fmt: str(folder / target) if target != "-" else target for fmt, target in data.get("reports", {}).items()},
    )
    problems = []
    if config.evidence_root is not None and not config.evidence_root.is_dir():
        problems.append(config.problem(("evidence_root",), f"no such folder: {config.evidence_root.resolve()} (paths here are relative to {folder})"))
    for i, rules in enumerate(config.rules):
        if not rules.is_dir():
            problems.append(config.problem(("rules", i), f"no such folder: {rules.resolve()} (paths here are relative to {folder})"))
    if problems:
        raise InputError(problems)
    return config


def ims_files(config: Config) -> list[Path]:
    """The files the ``ims`` globs match, less the ``exclude`` globs, in a stable order."""
    found: set[Path] = set()
    for i, pattern in enumerate(config.ims):
        matched = [p for p in config.folder.glob(pattern) if p.is_file() and not _hidden(p, config.folder)]
        if not matched:
            raise InputError(config.problem(("ims", i), f"the glob {pattern!r} matches no file under {config.folder}: correct it or remove it"))
        found.update(matched)
    kept = [p for p in found if not excluded(config, p)]
    if not kept:
        raise InputError(config.problem(("exclude",), "the 'exclude' globs leave no IMS file: narrow them"))
    return sorted(kept, key=lambda p: p.relative_to(config.folder).as_posix())


def excluded(config: Config, file: Path) -> bool:
    try:
        relative = Path(os.path.abspath(file)).relative_to(config.folder).as_posix()
    except ValueError:
        return False
    return any(glob_regex(pattern).fullmatch(relative) for pattern in config.exclude)


def _hidden(path: Path, base: Path) -> bool:
    """Hidden files and folders (``.git``, ``.github``, this file) are never IMS files."""
    return any(part.startswith(".") for part in path.relative_to(base).parts)


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression over posix paths: ``**`` spans folders, ``*`` and ``?`` do not.

    A pattern naming a folder (``docs`` or ``docs/``) also matches everything inside it.
    """
    out, i = [], 0
    pattern = pattern.rstrip("/")
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char))
        i += 1
    return re.compile("".join(out) + "(?:/.*)?")
