"""imscheck's own catalogues, correlations and rules, read through a snapshot shipped beside them.

The bundled YAML files are the source of truth, but parsing and validating
them is most of a small run's start-up (about a quarter of a second: 600 KB
of YAML, three schemas compiled), and it is the same work on every run of
every user. ``rules/bundled.json`` holds, for each bundled file, the SHA-256
of its bytes, the schema it was found valid against with the SHA-256 of that
schema's text, and its data. A file whose bytes and schema match is taken
from the snapshot, already valid; any other file (edited in a checkout, say)
is read from YAML and validated as usual, so the snapshot changes speed,
never results. Locations, needed only to report a problem, come from
composing the file's text when asked.

``tests/test_bundled.py`` checks that the snapshot is current and equals a
fresh read of every file; ``python -m tests.golden`` writes it again.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import resources
from ..containment import Refusal, read_regular_file, real_root, walk_files
from ..errors import InputError
from ..load.schemacheck import schema_problems
from ..load.yamlsource import MAX_FILE_BYTES, YamlSource, read_yaml_file, read_yaml_text

SNAPSHOT = "bundled.json"
FORMAT = 1
# The folder of rules/ each kind of file lives in, and the schema it must satisfy.
SCHEMAS = {"catalogues": "catalogue.schema.json", "correlations": "correlations.schema.json", "checks": "rule.schema.json"}


def read(path: Path, display: str, root: str) -> YamlSource:
    """A bundled file's data, valid against its folder's schema; :class:`InputError` otherwise."""
    base = resources.data_dir("rules")
    relative = _relative(path, base)
    schema = SCHEMAS.get(relative.split("/", 1)[0]) if relative else None
    entry = _snapshot(str(base)).get(relative) if schema else None
    if entry is not None:
        try:
            raw = read_regular_file(path, root, MAX_FILE_BYTES)
        except Refusal:
            raw = None  # read_yaml_file below says why, in its words
        if (raw is not None and entry.get("sha256") == hashlib.sha256(raw).hexdigest()
                and entry.get("schema") == schema and entry.get("schema_sha256") == _schema_digest(schema)):
            return YamlSource(display, entry["data"], None, text=raw.decode("utf-8-sig"))
    source = read_yaml_file(path, display, root)
    if schema is not None:
        problems = schema_problems(source, schema) if source.data is not None else []
        if problems:
            raise InputError(problems)
    return source


def _relative(path: Path, base: Path) -> str | None:
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None


@lru_cache(maxsize=None)
def _snapshot(base: str) -> dict[str, Any]:
    """The snapshot's entries by relative path; none when it is missing or not one imscheck wrote."""
    try:
        with open(Path(base) / SNAPSHOT, "rb") as handle:
            snapshot = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(snapshot, dict) or snapshot.get("format") != FORMAT or not isinstance(snapshot.get("files"), dict):
        return {}
    return {name: entry for name, entry in snapshot["files"].items() if isinstance(entry, dict) and "data" in entry}


@lru_cache(maxsize=None)
def _schema_digest(name: str) -> str:
    return hashlib.sha256((resources.data_dir("schemas") / name).read_bytes()).hexdigest()


def render_snapshot(base: Path | None = None) -> str:
    """The snapshot of every bundled file, one line per file so that a change reads as a small diff.

    Every file must parse and be valid: a snapshot is never written over a problem.
    """
    base = base or resources.data_dir("rules")
    root = real_root(base)
    lines = []
    for folder, schema in SCHEMAS.items():
        walked = walk_files(base / folder, root, (".yaml", ".yml"))
        if walked.refused:
            path, why = walked.refused[0]
            raise ValueError(f"{path}: {why}")
        for path in walked.files:
            raw = path.read_bytes()
            source = read_yaml_text(raw, path.relative_to(base).as_posix())
            problems = schema_problems(source, schema) if source.data is not None else []
            if problems:
                raise InputError(problems)
            entry = {"sha256": hashlib.sha256(raw).hexdigest(), "schema": schema, "schema_sha256": _schema_digest(schema),
                     "data": source.data}
            lines.append(json.dumps(path.relative_to(base).as_posix()) + ":" + json.dumps(entry, ensure_ascii=True, separators=(",", ":")))
    return '{"format":' + str(FORMAT) + ',"files":{\n' + ",\n".join(lines) + "\n}}\n"
