"""The JSON report: the contract scripts rely on (see the product brief)."""

from __future__ import annotations

from typing import Any

from .. import jsontext
from ..text import json_safe
from ..verdicts.decision import Result, Verdict
from ..evidence.states import UNCOMMITTED
from ..verdicts.findings import Finding


def as_records(result: Result) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "standards": list(result.standards),
        "results": [_record(v, result) for v in result.verdicts],
        "findings": [finding_record(f) for f in result.findings],
        "summary": result.summary(),
        "not_evaluated": {s: list(ids) for s, ids in result.not_evaluated.items()},
        "notes": list(result.notes),
        "warnings": [{"file": w.file, "line": w.line, "message": w.message} for w in result.warnings],
        "git": _git(result),
        "baseline": _baseline(result),
        "configuration": result.configuration,
        "evidence_root": result.evidence_root,
    }


def _baseline(result: Result) -> dict[str, Any] | None:
    if result.baseline is None:
        return None
    from ..verdicts import baseline  # only runs given --baseline need it

    return baseline.as_record(result.baseline)


def _git(result: Result) -> dict[str, Any] | None:
    git = result.git
    if git is None:
        return None
    uncommitted = [s.as_record() for _, s in sorted(result.evidence_state.items()) if s.state in UNCOMMITTED]
    return {"revision": git.revision, "head": git.head, "branch": git.branch, "detached": git.head is not None and git.branch is None
            and git.revision is None, "shallow": git.shallow, "uncommitted": uncommitted}


def _record(verdict: Verdict, result: Result) -> dict[str, Any]:
    location = verdict.location
    return {
        "requirement": verdict.requirement,
        "standard": verdict.standard,
        "title": verdict.title,
        "status": verdict.status,
        "shared_with": list(verdict.shared_with),
        "evidence": list(verdict.evidence),
        "basis": verdict.basis,
        "reasons": [r.message for r in verdict.reasons],
        "location": {"file": location.file, "line": location.line} if location else None,
        "details": [{"code": r.code, "message": r.message, "file": r.file or None,
                     "line": r.line if r.file else None, "pointer": r.pointer or None} for r in verdict.reasons],
        "rules": list(verdict.rules),
        "rolled_up": verdict.rolled_up,
        "evidence_state": [result.evidence_state[e].as_record() for e in verdict.evidence if e in result.evidence_state]
        if result.evidence_state else [],  # without git, no evidence has a state: skip the lookups
        "waivers": _waivers(verdict),
    }


def _waivers(verdict: Verdict) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for reason, waiver in verdict.waived:
        entry = by_id.setdefault(waiver.id, {"id": waiver.id, "justification": waiver.justification, "owner": waiver.owner,
                                             "approved_by": waiver.approved_by, "expires": waiver.expires, "covers": []})
        entry["covers"].append({"code": reason.code, "message": reason.message})
    return [by_id[key] for key in sorted(by_id)]


def finding_record(finding: Finding) -> dict[str, Any]:
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "code": finding.code,
        "entity": finding.entity,
        "message": finding.message,
        "location": {"file": finding.file, "line": finding.line, "column": finding.column, "pointer": finding.pointer or None}
        if finding.file else None,
        "requirements": list(finding.requirements),
        "standards": list(finding.standards),
        "waiver": finding.waiver,
    }


def render(result: Result) -> str:
    return json_safe(jsontext.dumps(as_records(result), end="\n"))
