"""Findings: one cause, reported once, with every requirement it affects.

A verdict answers "is this requirement met?"; a finding answers "what is
wrong, and where do I fix it?". One missing review can leave a requirement
unmet in each of three standards: that is one finding affecting three
requirements, which is what an integrated management system saves.

A cause is the rule's reason code, the entity it is about and the attribute
inside it, and, for causes that exist once per requirement (an attestation
not given, a control with no SoA line), that requirement. Its fingerprint is
made from those alone, never from lines or message text, so it survives
edits that move lines, reorder lists or change dates in a message: baselines,
SARIF ``partialFingerprints`` and Code Quality fingerprints all use it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .decision import Reason, Verdict

# Codes that only repeat the findings of other requirements (a heading that is
# unmet because a sub-clause is): they group requirements, they are not causes.
ROLL_UP_CODES = frozenset({"subclauses.unmet"})


@dataclass(frozen=True)
class RuleInfo:
    """What a rule is for, from its rule file: reports that explain a finding quote it."""

    id: str
    name: str
    title: str
    why: str


# Causes imscheck itself decides, with no rule file of their own (see decision.py).
BUILT_IN_RULES = {
    "attestation": RuleInfo(
        "attestation", "attestation", "A requirement no rule can decide is attested by a person, and the attestation is current",
        "Some requirements (leadership, awareness, communication) cannot be read from the IMS description: a person has to "
        "look at the evidence and say so. imscheck asks for a recorded attestation (who, when, on what evidence) by a role "
        "of the management system that claims the requirement, renewed within its validity period."),
    "exclusion": RuleInfo(
        "exclusion", "exclusion-permitted", "Only requirements the standard allows to be excluded are excluded",
        "A management system may declare requirements not applicable only where its standard permits it (for example "
        "ISO 9001 requirements that cannot apply to the scope, or Annex A controls in the Statement of Applicability). "
        "An exclusion of anything else does not remove the requirement: it stays to be met, and the exclusion is itself "
        "a finding."),
}


def rule_info(result_rules: Iterable[RuleInfo], rule_id: str) -> RuleInfo:
    """The description of the rule behind a finding; a rule that ran is always known, built-in causes from the table."""
    for info in result_rules:
        if info.id == rule_id:
            return info
    return BUILT_IN_RULES.get(rule_id, RuleInfo(rule_id, rule_id, rule_id, ""))


@dataclass(frozen=True)
class Finding:
    fingerprint: str
    rule: str
    code: str
    entity: str | None
    message: str
    file: str
    line: int
    column: int
    pointer: str
    requirements: tuple[str, ...]

    @property
    def standards(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.split("/", 1)[0] for r in self.requirements))


def fingerprint(code: str, entity: str | None, attribute: tuple[str, ...], subject: str | None) -> str:
    text = "\x1f".join((code, entity or "", "\x1e".join(attribute), subject or ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def reason_fingerprint(reason: "Reason") -> str:
    return fingerprint(reason.code, reason.entity, reason.attribute, reason.subject)


def build_findings(verdicts: Iterable["Verdict"], order: dict[str, int]) -> tuple[Finding, ...]:
    """Group the reasons of unmet verdicts by cause. ``order``: requirement id -> its position in reports."""
    causes: dict[str, list[tuple["Reason", str]]] = {}
    for verdict in verdicts:
        for reason in verdict.reasons:
            if reason.code in ROLL_UP_CODES or reason.code in ("exclusion", "soa.not-applicable"):
                continue
            causes.setdefault(reason_fingerprint(reason), []).append((reason, verdict.requirement))
    findings = []
    for print_, pairs in causes.items():
        pairs.sort(key=lambda pair: order[pair[1]])
        first = min((reason for reason, _ in pairs), key=lambda r: (r.file, r.line, r.column, r.message))
        requirements = tuple(dict.fromkeys(requirement for _, requirement in pairs))
        findings.append(Finding(print_, first.code.split(".", 1)[0], first.code, first.entity, first.message,
                                first.file, first.line, first.column, first.pointer, requirements))
    return tuple(sorted(findings, key=lambda f: (f.file, f.line, f.column, f.code, f.fingerprint)))
