"""The JSON report: the contract scripts rely on (see the product brief)."""

from __future__ import annotations

import json
from typing import Any

from ..verdicts.decision import Result, Verdict
from ..verdicts.findings import Finding


def as_records(result: Result) -> dict[str, Any]:
    return {
        "as_of": result.as_of.isoformat(),
        "standards": list(result.standards),
        "results": [_record(v) for v in result.verdicts],
        "findings": [_finding(f) for f in result.findings],
        "summary": result.summary(),
        "not_evaluated": {s: list(ids) for s, ids in result.not_evaluated.items()},
        "notes": list(result.notes),
        "warnings": [{"file": w.file, "line": w.line, "message": w.message} for w in result.warnings],
    }


def _record(verdict: Verdict) -> dict[str, Any]:
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
    }


def _finding(finding: Finding) -> dict[str, Any]:
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
    }


def render(result: Result) -> str:
    return json.dumps(as_records(result), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
