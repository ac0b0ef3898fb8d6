"""GitLab Code Quality: the JSON array GitLab shows inline in merge requests.

One issue per finding, with the fields GitLab reads (``description``,
``check_name``, ``fingerprint``, ``severity``, ``location.path``,
``location.lines.begin``); GitLab ignores the rest of the Code Climate format.
The fingerprint is the finding's, so GitLab sees the same issue across commits
even when lines move, and compares merge request and target branch by it.
Every open finding leaves requirements unmet, so every issue is ``major``; a
finding a valid waiver accepts is left out (GitLab has no way to show it as
accepted, and it must not read as new work).
"""

from __future__ import annotations

from typing import Any

from ..verdicts.decision import Result
from ..verdicts.findings import Finding
from .grouping import with_affected
from .. import jsontext
from ..text import json_safe

SEVERITY = "major"
MAX_REQUIREMENTS = 50  # listed in the description; the JSON report has them all


def _issue(finding: Finding) -> dict[str, Any]:
    return {
        "description": with_affected(finding, MAX_REQUIREMENTS),
        "check_name": finding.code,
        "fingerprint": finding.fingerprint,
        "severity": SEVERITY,
        "location": {"path": finding.file, "lines": {"begin": finding.line}},
    }


def render(result: Result) -> str:
    return json_safe(jsontext.dumps([_issue(f) for f in result.findings if f.waiver is None], end="\n"))
