"""SARIF 2.1.0 for code scanning: one result per finding, at the YAML line to fix.

Shaped for GitHub code scanning, which reads a subset of SARIF: every result
names its rule (``ruleId``, the rule file's id such as ``AUD01``; the reason
code such as ``AUD01.unit-not-audited`` goes in its properties), every rule
has a short and a full description and a ``help`` text taken from the rule
file's "why", locations are URIs relative to the repository root
(``uriBaseId`` ``%SRCROOT%``), and ``partialFingerprints`` carries the
finding's fingerprint, which does not move when lines do, so an alert stays
one alert across commits. A finding lists the requirements it affects in its
message and, in full, in its properties.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .. import __version__
from ..verdicts.decision import Result
from ..verdicts.findings import Finding, rule_info
from .grouping import with_affected
from .. import jsontext
from ..text import json_safe

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "imscheck/v1"
ROOT = "%SRCROOT%"
MESSAGE_REQUIREMENTS = 20  # listed in the message; the properties hold them all


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _rule(result: Result, rule_id: str, findings: list[Finding]) -> dict[str, Any]:
    info = rule_info(result.rules, rule_id)
    why = info.why or info.title
    standards = sorted({s for f in findings for s in f.standards}, key=result.standards.index)
    codes = sorted({f.code for f in findings})
    help_text = f"{why}\n\nReason codes reported here: {', '.join(codes)}."
    help_markdown = f"{why}\n\nReason codes reported here: {', '.join(f'`{c}`' for c in codes)}."
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": _text(info.title),
        "fullDescription": _text(why),
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["compliance", *standards], "precision": "very-high", "problem.severity": "error"},
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "kind": "fail",
        "level": "error",
        "message": _text(with_affected(finding, MESSAGE_REQUIREMENTS)),
    }
    if finding.file:
        region = {"startLine": finding.line, "startColumn": finding.column} if finding.column >= 1 else {"startLine": finding.line}
        out["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": quote(finding.file, safe="/"), "uriBaseId": ROOT},
                                                  "region": region}}]
    out["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.waiver is not None:
        # Accepted for a time by a waiver in the IMS: code scanning shows it as dismissed, not as an open alert.
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": _text(f"waived by {finding.waiver}")["text"]}]
    out["properties"] = {"code": finding.code, "entity": finding.entity, "pointer": finding.pointer or None,
                         "requirements": list(finding.requirements), "standards": list(finding.standards)}
    return out


def as_log(result: Result) -> dict[str, Any]:
    by_rule: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    driver = {
        "name": "imscheck",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(result, rule_id, by_rule[rule_id]) for rule_id in rule_ids],
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {ROOT: {"description": _text("The repository root: the folder evidence paths are relative to (--root).")}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule]) for f in result.findings],
        "properties": {"as_of": result.as_of.isoformat(), "standards": list(result.standards)},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: Result) -> str:
    return json_safe(jsontext.dumps(as_log(result), end="\n"))
