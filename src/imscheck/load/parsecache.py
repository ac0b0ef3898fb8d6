"""A content-addressed cache of parsed YAML files, so that an unchanged file is not parsed again.

An entry is keyed by the SHA-256 of the file's bytes together with imscheck's
version, PyYAML's and libyaml's versions and the entry format: a new release
or another parser never reads an older entry. Only files that parsed without
a problem are stored, as JSON (the data of a YAML file is JSON's data model:
text keys, lists, text, numbers, booleans, null), behind a checksum of the
JSON text. Anything unexpected when reading (a missing, truncated, edited or
unreadable entry) is a miss: the file is parsed and the entry written again.
Writing is atomic (a temporary file renamed over the entry) and failures to
write are ignored, so a read-only or full disk only costs time.

A file found valid against one of imscheck's schemas gets an empty marker
beside its entry, so an unchanged file is not validated again (the key covers
the schemas' text). An entry holds the data, as JSON, and the marks the parse
made in the same pass (line, column and extent of every key and value, see
``yamlsource.YamlSource``), as their machine bytes after a newline: a later run
locates without parsing, and reading the marks costs no decoding.

Where: ``$IMSCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/imscheck``, else
``~/.cache/imscheck``. Nothing is read or written outside that folder; entry
names are hexadecimal digests, never derived from file names.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from array import array
from pathlib import Path
from typing import Any

import yaml

from .. import __version__, resources

FORMAT = "2"
_state = {"enabled": True}


def configure(enabled: bool) -> None:
    """Turn the cache on or off for this process (``--no-cache``)."""
    _state["enabled"] = enabled


def enabled() -> bool:
    return _state["enabled"] and cache_dir() is not None


def cache_dir() -> Path | None:
    explicit = os.environ.get("IMSCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):
        return Path(base) / "imscheck"
    home = os.path.expanduser("~")
    if home == "~" or not os.path.isabs(home):
        return None
    return Path(home) / ".cache" / "imscheck"


def _parser_version() -> str:
    try:
        from yaml import _yaml

        libyaml = _yaml.get_version_string()
    except Exception:  # pure Python PyYAML
        libyaml = "none"
    # The schemas too: a file's validity is cached, and a checkout may change a schema without a new version.
    schemas = hashlib.sha256()
    try:
        for path in sorted(resources.data_dir("schemas").glob("*.json")):
            schemas.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:  # pragma: no cover - an installation without schemas fails elsewhere, clearly
        pass
    # And the code that builds the data: a checkout may change it without a new version either.
    builder = hashlib.sha256(Path(__file__).with_name("yamlsource.py").read_bytes()).hexdigest()
    return f"builder {builder}; imscheck {__version__}; PyYAML {yaml.__version__}; libyaml {libyaml}; schemas {schemas.hexdigest()}; format {FORMAT} {sys.byteorder}"


_VERSION = _parser_version()


def key(raw: bytes) -> str:
    digest = hashlib.sha256(_VERSION.encode() + b"\0")
    digest.update(raw)
    return digest.hexdigest()


def _entry(folder: Path, digest: str) -> Path:
    return folder / "parsed" / f"{digest}.json"


_MISS = object()


def load(digest: str, marks_type: str) -> Any:
    """``(data, marks)`` cached under ``digest`` (see :func:`key`), or ``MISS``; ``marks`` is an
    ``array`` of ``marks_type``."""
    folder = cache_dir() if _state["enabled"] else None
    if folder is None:
        return _MISS
    try:
        with open(_entry(folder, digest), "rb") as handle:
            stored = handle.read()
        view = memoryview(stored)  # slices without copies: an entry can be tens of MB
        if stored[64:65] != b"\n" or hashlib.sha256(view[65:]).hexdigest().encode() != stored[:64]:
            return _MISS
        end = stored.find(b"\n", 65)
        marks = array(marks_type)
        if end < 0 or (len(stored) - end - 1) % (3 * marks.itemsize):
            return _MISS
        marks.frombytes(view[end + 1:])
        text = str(view[65:end], "ascii")
        view.release()
        del view, stored  # the entry's bytes go before the data is built from its text
        return json.loads(text), marks
    except (OSError, ValueError, RecursionError):
        return _MISS


def holds(digest: str) -> bool:
    """Whether an entry is stored under ``digest`` (it may still turn out damaged when loaded)."""
    folder = cache_dir() if _state["enabled"] else None
    return folder is not None and _entry(folder, digest).is_file()


def store(digest: str, data: Any, marks: Any) -> None:
    folder = cache_dir() if _state["enabled"] else None
    if folder is None:
        return
    try:
        # JSON written this way holds no newline: the first one ends it.
        text = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()
    except (TypeError, ValueError, RecursionError):  # pragma: no cover - YAML data is JSON data
        return
    checksum = hashlib.sha256(text)
    checksum.update(b"\n")
    checksum.update(marks)
    target = _entry(folder, digest)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(checksum.hexdigest().encode() + b"\n")
                out.write(text)
                out.write(b"\n")
                marks.tofile(out)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return


MISS = _MISS


def _validity(folder: Path, digest: str, schema: str) -> Path:
    return folder / "parsed" / f"{digest}.{hashlib.sha256(schema.encode()).hexdigest()[:16]}.valid"


def known_valid(digest: str, schema: str) -> bool:
    """Whether the file with this key was found valid against ``schema`` before (an empty marker file)."""
    folder = cache_dir() if _state["enabled"] else None
    return folder is not None and _validity(folder, digest, schema).is_file()


def mark_valid(digest: str, schema: str) -> None:
    folder = cache_dir() if _state["enabled"] else None
    if folder is None:
        return
    try:
        target = _validity(folder, digest, schema)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.touch()
    except OSError:
        return
