"""A baseline: the findings a team has accepted, so that only new ones fail a run.

A baseline is a JSON report of an earlier run (``check --json``). Findings are
matched by their fingerprint (rule, reason code, entity, attribute and, for
causes that exist once per requirement, the requirement; never lines), so a
finding stays accepted while lines move around it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from .findings import Finding

FINGERPRINT_LENGTH = 32


@dataclass(frozen=True)
class Accepted:
    """A finding as the baseline recorded it."""

    fingerprint: str
    code: str
    message: str


@dataclass(frozen=True)
class Comparison:
    file: str
    new: tuple[Finding, ...]
    accepted: tuple[Finding, ...]
    resolved: tuple[Accepted, ...]

    def exit_code(self) -> int:
        # Every unmet verdict has a cause among the findings (headings roll up their
        # sub-clauses' causes), so "no new finding" means nothing new is unmet.
        return 1 if self.new else 0


def _problem(file: str, message: str, line: int = 1, column: int = 1, pointer: str = "") -> InputError:
    return InputError(Problem(file, max(line, 1), max(column, 1), pointer, message))


def read_baseline(path: Path) -> dict[str, Accepted]:
    """The accepted findings by fingerprint; InputError (located) when the file is not a JSON report."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _problem(file, "no such baseline file: give a JSON report written by 'imscheck check --json FILE'") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _problem(file, f"cannot read the baseline: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _problem(file, f"not valid JSON ({error.msg}): give a JSON report written by 'imscheck check --json FILE'",
                       error.lineno, error.colno) from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise _problem(file, "not an imscheck JSON report: it has no 'findings' list; write one with 'imscheck check --json FILE'")
    accepted = {}
    for index, item in enumerate(data["findings"]):
        pointer = f"/findings/{index}"
        if not isinstance(item, dict):
            raise _problem(file, "each finding must be an object", _line_of(text, index), 1, pointer)
        fingerprint = item.get("fingerprint")
        if not isinstance(fingerprint, str) or len(fingerprint) != FINGERPRINT_LENGTH:
            raise _problem(file, f"this finding has no valid fingerprint ({FINGERPRINT_LENGTH} hex digits): "
                           "regenerate the baseline with 'imscheck check --json FILE'", _line_of(text, index), 1, pointer + "/fingerprint")
        if item.get("waiver"):
            continue  # a waived finding was never accepted by the baseline; its waiver may lapse
        accepted[fingerprint] = Accepted(fingerprint, str(item.get("code", "")), str(item.get("message", "")))
    return accepted


def _line_of(text: str, index: int) -> int:
    """The line of the index-th ``"fingerprint"`` key: good enough to point at a hand-edited entry."""
    position = -1
    for _ in range(index + 1):
        position = text.find('"fingerprint"', position + 1)
        if position < 0:
            return 1
    return text.count("\n", 0, position) + 1


def compare(file: str, accepted: dict[str, Accepted], findings: tuple[Finding, ...]) -> Comparison:
    open_ = [f for f in findings if f.waiver is None]
    current = {f.fingerprint for f in open_}
    new = tuple(f for f in open_ if f.fingerprint not in accepted)
    kept = tuple(f for f in open_ if f.fingerprint in accepted)
    resolved = tuple(sorted((a for key, a in accepted.items() if key not in current), key=lambda a: (a.code, a.fingerprint)))
    return Comparison(file, new, kept, resolved)


def as_record(comparison: Comparison) -> dict[str, Any]:
    return {
        "file": comparison.file,
        "new": [f.fingerprint for f in comparison.new],
        "accepted": [f.fingerprint for f in comparison.accepted],
        "resolved": [{"fingerprint": a.fingerprint, "code": a.code, "message": a.message} for a in comparison.resolved],
    }
