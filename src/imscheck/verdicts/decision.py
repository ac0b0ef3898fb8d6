"""From what the rules found to one verdict per requirement per claimed standard.

Everything that reaches a report is sorted here, once, so reports are
byte-identical for the same input.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import chain
from dataclasses import dataclass, field, replace
from typing import Any

from ..knowledge.catalogue import INVERSE, STANDARD_ORDER, Catalogue, requirement_order
from ..engines.evaluator import Outcome
from ..engines.facts import add_months
from ..load.ims import Entity, Ims
from ..knowledge.rulebook import Rule
from ..errors import Warning
from ..text import plural
from .consistency import contradiction
from .findings import Finding, RuleInfo, build_findings
from .lapsing import WAIVED, apply_waivers
from .soa import Statement, statements

MET, UNMET, NOT_APPLICABLE = "met", "unmet", "not_applicable"
STATUSES = (MET, UNMET, NOT_APPLICABLE, WAIVED)
STATUS_LABELS = {MET: "met", UNMET: "unmet", NOT_APPLICABLE: "not applicable", WAIVED: "waived"}  # as people read them
# Relations, seen from the requirement whose verdict is being written, that let
# common evidence count as shared with the other requirement. Evidence for a
# superset requirement covers the other in full; evidence for a subset covers
# only part of the other, and an intersection only part of each, so on their
# own they never make evidence shared.
SHARING_RELATIONS = frozenset({"equal", "superset"})
# Reasons listed per verdict: beyond this, one last reason counts the rest, so
# 100,000 documents without an owner make a report of kilobytes, not of gigabytes.
MAX_REASONS = 200  # above the 114 controls of an Annex A, so a whole missing SoA is still listed
MORE_CODE = "reasons.more"


@dataclass(frozen=True, order=True)
class Reason:
    file: str
    line: int
    column: int
    pointer: str
    code: str
    message: str
    # What the cause is about, for grouping reasons into findings (see findings.py):
    # the entity and attribute the rule pointed at, and the requirement when the
    # cause exists once per requirement.
    entity: str | None = field(default=None, compare=False)
    attribute: tuple[str, ...] = field(default=(), compare=False)
    subject: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Verdict:
    requirement: str
    standard: str
    title: str
    status: str
    reasons: tuple[Reason, ...] = ()
    evidence: tuple[str, ...] = ()
    shared_with: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    # A heading no rule decides, whose status is its sub-clauses' (see _with_headings):
    # reports show it as a group, not as one more requirement met or unmet.
    rolled_up: bool = False
    waived: tuple[tuple[Reason, Any], ...] = ()  # (reason, lapsing.Waiver): causes a valid waiver accepts
    omitted: int = 0  # reasons beyond MAX_REASONS, counted by the last reason

    @property
    def problem_count(self) -> int:
        return len(self.reasons) - (1 if self.omitted else 0) + self.omitted
    # What a met verdict rests on when not on evidence: the words a rule states for an
    # empty population it accepts ("no internal suppliers: nothing to judge").
    basis: str | None = None

    @property
    def location(self) -> Reason | None:
        return self.reasons[0] if self.reasons and self.reasons[0].file else None


@dataclass(frozen=True)
class Result:
    as_of: dt.date
    standards: tuple[str, ...]
    verdicts: tuple[Verdict, ...]
    not_evaluated: dict[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    soa: tuple[Statement, ...] = ()  # the Statement of Applicability of each claimed ISO/IEC 27001 edition
    organisation: str = ""
    rules: tuple[RuleInfo, ...] = ()  # what the rules that ran are for, for reports that explain findings
    # Located warnings: claims no verdict reads (knowledge/tagcheck.py) and what lapses soon (--warn-within);
    # they never change the exit code.
    warnings: tuple[Warning, ...] = ()
    evidence_state: dict[str, Any] = field(default_factory=dict)  # entity id -> git.EvidenceState
    git: Any = None  # git.GitEvidence when git was read
    baseline: Any = None  # baseline.Comparison when --baseline was given
    configuration: str | None = None  # the .imscheck.yaml used, as shown to the user
    # The folder evidence paths were resolved against: relative to the configuration's folder (or,
    # without one, to PATH's folder) so that reports do not depend on where the repository sits...
    evidence_root: str | None = None
    # ...and as people find it from where they ran imscheck, for the console.
    evidence_folder: str | None = None

    def of_standard(self, standard: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.standard == standard]

    def summary(self) -> dict[str, dict[str, int]]:
        out = {}
        for standard in self.standards:
            # Requirements decided on their own are counted by status; roll-up headings only as groups.
            verdicts = [v for v in self.of_standard(standard) if not v.rolled_up]
            counts = {status: sum(1 for v in verdicts if v.status == status) for status in STATUSES}
            counts["shared"] = sum(1 for v in verdicts if v.shared_with)
            counts["groups"] = sum(1 for v in self.of_standard(standard) if v.rolled_up)
            counts["not_evaluated"] = len(self.not_evaluated.get(standard, ()))
            out[standard] = counts
        return out

    def exit_code(self) -> int:
        if self.baseline is not None:
            return self.baseline.exit_code()
        return 1 if any(v.status == UNMET for v in self.verdicts) else 0


def decide(ims: Ims, catalogue: Catalogue, rules: list[Rule], outcomes: list[Outcome],
           standards: list[str], as_of: dt.date, notes: tuple[str, ...] = (), attestations: bool = True) -> Result:
    claimed = ims.claimed_standards()
    rules_by_id = {r.id: r for r in rules}
    by_requirement: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        targets = [outcome.requirement] if outcome.requirement else rules_by_id[outcome.rule].requirements_of(outcome.standard)
        for rid in targets:
            by_requirement.setdefault(rid, []).append(outcome)
    verdicts: dict[str, Verdict] = {}
    of_standard = {standard: catalogue.of_standard(standard) for standard in standards}  # sorted once, read three times
    for standard in standards:
        system = claimed[standard]
        exclusions = _exclusions(ims, system)
        decided = {rid for rid in by_requirement if rid.startswith(standard + "/")}
        attested = {r.id for r in of_standard[standard] if attestations and r.attestation and r.id not in decided}
        for rid in sorted(decided | attested | {e.requirement for e in exclusions}, key=requirement_order):
            requirement = catalogue.requirements[rid]
            exclusion = next((e for e in exclusions if rid == e.requirement or rid.startswith(e.requirement + ".")), None)
            rule_ids = tuple(sorted(o.rule for o in by_requirement.get(rid, [])))
            reasons, evidence, bases = [], [], []
            for outcome in by_requirement.get(rid, []):
                evidence.append(outcome.evidence)
                bases.extend(outcome.basis)
                for violation in outcome.violations:
                    file, line, column, pointer = ims.location(violation.entity or system.id, violation.attribute)
                    reasons.append(Reason(file, line, column, pointer, f"{violation.rule}.{violation.expectation}", violation.message,
                                          violation.entity or system.id, tuple(map(str, violation.attribute)), outcome.requirement))
            contradicted = contradiction(ims, system.id, exclusion.requirement) if exclusion is not None else None
            if exclusion is not None and requirement.excludable and contradicted is None:
                verdicts[rid] = Verdict(rid, standard, requirement.title, NOT_APPLICABLE, (exclusion.reason,), rules=rule_ids)
                continue
            if contradicted is not None:
                entity, attribute, message = contradicted
                file, line, column, pointer = ims.location(entity, attribute)
                reason = Reason(file, line, column, pointer, "exclusion.contradicted", message, entity, tuple(map(str, attribute)), rid)
                verdicts[rid] = Verdict(rid, standard, requirement.title, UNMET, (reason,) + _sorted(reasons), rules=rule_ids)
                continue
            if exclusion is not None:
                # The refused exclusion comes first, and what the rules found still shows.
                message = (f"{requirement.standard} does not allow {requirement.clause} ({requirement.title}) to be excluded; "
                           f"remove the exclusion and meet the requirement")
                where = exclusion.reason
                refused = Reason(where.file, where.line, where.column, where.pointer, "exclusion.not-permitted", message,
                                 system.id, ("scope", "exclusions"), rid)
                verdicts[rid] = Verdict(rid, standard, requirement.title, UNMET, (refused,) + _sorted(reasons), rules=rule_ids)
                continue
            if rid in attested:
                verdicts[rid] = _attested(ims, system, requirement, as_of)
                continue
            # Each rule deciding the requirement must show something: evidence from one rule does
            # not make another rule's empty population acceptable. Reported only when nothing else
            # is: a missing review already says why there is nothing to judge.
            for outcome in by_requirement.get(rid, []) if not reasons else ():
                if outcome.unevidenced is not None:
                    v = outcome.unevidenced
                    file, line, column, pointer = ims.location(system.id)
                    reasons.append(Reason(file, line, column, pointer, f"{v.rule}.{v.expectation}", v.message, system.id, (), rid))
            status = UNMET if reasons else MET
            verdicts[rid] = Verdict(rid, standard, requirement.title, status, _sorted(reasons),
                                    _union(evidence) if status == MET else (), rules=rule_ids,
                                    basis=_basis(bases) if status == MET else None)
    verdicts, waiver_notes = apply_waivers(verdicts, ims, as_of)
    notes = tuple(notes) + tuple(waiver_notes)
    verdicts = _with_sharing(_with_headings(verdicts, catalogue, standards, of_standard), catalogue)
    not_evaluated = {}
    for standard in standards:
        missing = [r.id for r in of_standard[standard] if r.id not in verdicts]
        not_evaluated[standard] = tuple(missing)
    ordered = tuple(_capped(v) for v in sorted(verdicts.values(), key=lambda v: requirement_order(v.requirement)))
    findings = build_findings(ordered, {v.requirement: i for i, v in enumerate(ordered)})
    rule_info = tuple(RuleInfo(r.id, r.name, r.title, " ".join(r.why.split())) for r in sorted(rules, key=lambda r: r.id))
    organisation = next(iter(ims.of_type("organisation")), None)
    return Result(as_of, tuple(s for s in STANDARD_ORDER if s in standards), ordered, not_evaluated, notes, findings,
                  statements(ims, catalogue, [s for s in STANDARD_ORDER if s in standards]),
                  organisation.data["name"] if organisation else "", rule_info)


def _union(lists: list[tuple[str, ...]]) -> tuple[str, ...]:
    """``tuple(sorted(set().union(*lists)))``: the lists come sorted, and sorting them one after
    the other merges runs instead of ordering thousands of ids from a set."""
    return tuple(dict.fromkeys(sorted(chain.from_iterable(lists))))


def _basis(bases: list[str]) -> str | None:
    return "; ".join(sorted(set(bases))) or None


@dataclass(frozen=True)
class _Exclusion:
    requirement: str
    reason: Reason  # where it is declared, and its justification


def _exclusions(ims: Ims, system: Entity) -> list[_Exclusion]:
    """Exclusions in the scope, and Annex A controls the SoA declares not applicable."""
    found = []
    for i, entry in enumerate(system.data["scope"].get("exclusions", [])):
        file, line, column, pointer = ims.location(system.id, ("scope", "exclusions", i, "requirement"))
        found.append(_Exclusion(entry["requirement"], Reason(file, line, column, pointer, "exclusion", entry["justification"])))
    for entry in ims.of_type("soa_entry"):
        if entry.data["applicable"] is False and system.id in entry.data["management_systems"] \
                and entry.data["control"].startswith(system.data["standard"] + "/"):
            file, line, column, pointer = ims.location(entry.id, ("applicable",))
            found.append(_Exclusion(entry.data["control"], Reason(file, line, column, pointer, "soa.not-applicable", entry.data["justification"])))
    return found


DEFAULT_ATTESTATION_MONTHS = 12


def _attested(ims: Ims, system: Entity, requirement: Any, as_of: dt.date) -> Verdict:
    """A requirement no rule can decide: met by a person's attestation that is still valid."""

    mine = [a for a in ims.of_type("attestation")
            if a.data["requirement"] == requirement.id and system.id in a.data["management_systems"]
            and a.data["date"] <= as_of.isoformat()]
    latest = max(mine, key=lambda a: (a.data["date"], a.id), default=None)
    if latest is None:
        file, line, column, pointer = ims.location(system.id)
        message = (f"No one has attested {requirement.clause} ({requirement.title}) for {requirement.standard}, which no rule "
                   f"can decide from the IMS. Have a person look at {requirement.attestation}; then record who attested it, "
                   f"when and on what evidence under attestations")
        reason = Reason(file, line, column, pointer, "attestation.missing", message, system.id, (), requirement.id)
        return Verdict(requirement.id, requirement.standard, requirement.title, UNMET, (reason,))
    lapses = add_months(dt.date.fromisoformat(latest.data["date"]), latest.data.get("valid_months", DEFAULT_ATTESTATION_MONTHS))
    if lapses <= as_of:
        file, line, column, pointer = ims.location(latest.id, ("date",))
        message = (f"The attestation {latest.id} of {latest.data['date']} for {requirement.clause} ({requirement.title}) lapsed on "
                   f"{lapses.isoformat()}. Have a person look again at {requirement.attestation}; then record a new attestation")
        return Verdict(requirement.id, requirement.standard, requirement.title, UNMET,
                       (Reason(file, line, column, pointer, "attestation.lapsed", message, latest.id, ("date",), requirement.id),))
    role = ims.by_id.get(latest.data["attested_by"])
    if role is not None and system.id not in role.data.get("management_systems", []):
        # Someone must answer for the requirement within the system that claims it.
        file, line, column, pointer = ims.location(latest.id, ("attested_by",))
        message = (f"The attestation {latest.id} for {requirement.clause} ({requirement.title}) was given by role {role.id}, "
                   f"which is not a role of {system.id} ({requirement.standard}): have a role of that management system attest it")
        return Verdict(requirement.id, requirement.standard, requirement.title, UNMET,
                       (Reason(file, line, column, pointer, "attestation.role-outside", message, latest.id, ("attested_by",), requirement.id),))
    evidence = tuple(sorted({latest.id, *latest.data.get("documents", [])}))
    return Verdict(requirement.id, requirement.standard, requirement.title, MET, evidence=evidence)


def _with_headings(verdicts: dict[str, Verdict], catalogue: Catalogue, standards: list[str],
                   of_standard: dict[str, list[Any]] | None = None) -> dict[str, Verdict]:
    """A heading such as 9.3 that no rule decides takes its verdict from its sub-clauses.

    Only when every sub-clause has a verdict: a heading is not called met on the
    strength of some of its parts. Deepest headings first, so 8.5 can follow 8.5.1.
    """
    out = dict(verdicts)
    below = _children(catalogue)
    for standard in standards:
        ordered = of_standard[standard] if of_standard is not None else catalogue.of_standard(standard)
        headings = [r for r in ordered if r.id not in out and below.get(r.id)]
        for heading in sorted(headings, key=lambda r: -r.id.count(".")):
            children = sorted(below[heading.id], key=lambda r: requirement_order(r.id))
            if any(child.id not in out for child in children):
                continue
            parts = [out[child.id] for child in children]
            unmet = [p for p in parts if p.status == UNMET]
            if unmet:
                first = unmet[0].reasons[0]
                names = ", ".join(f"{p.requirement.split('/', 1)[1]} ({p.title})" for p in unmet)
                reason = Reason(first.file, first.line, first.column, first.pointer, "subclauses.unmet",
                                f"Not met, because of its sub-clauses: {names}; see their findings")
                out[heading.id] = Verdict(heading.id, standard, heading.title, UNMET, (reason,), rolled_up=True)
            elif any(p.status == WAIVED for p in parts):
                part = next(p for p in parts if p.status == WAIVED)
                first = part.waived[0][0] if part.waived else part.reasons[0]  # a waived heading has only its roll-up reason
                names = ", ".join(f"{p.requirement.split('/', 1)[1]} ({p.title})" for p in parts if p.status == WAIVED)
                reason = Reason(first.file, first.line, first.column, first.pointer, "subclauses.waived",
                                f"Waived, because these sub-clauses are: {names}")
                out[heading.id] = Verdict(heading.id, standard, heading.title, WAIVED, (reason,), rolled_up=True)
            elif all(p.status == NOT_APPLICABLE for p in parts):
                out[heading.id] = Verdict(heading.id, standard, heading.title, NOT_APPLICABLE, parts[0].reasons, rolled_up=True)
            else:
                evidence = _union([p.evidence for p in parts])
                out[heading.id] = Verdict(heading.id, standard, heading.title, MET, evidence=evidence,
                                          rolled_up=True, basis=None if evidence else _basis([p.basis for p in parts if p.basis]))
    return out


def _children(catalogue: Catalogue) -> dict[str, list[Any]]:
    """``catalogue.children`` of every requirement at once, in the same order: a sub-clause's
    parent is its id up to the last dot (9.3.2 -> 9.3)."""
    below: dict[str, list[Any]] = {}
    for requirement in catalogue.requirements.values():
        parent, dot, _ = requirement.id.rpartition(".")
        if dot:
            below.setdefault(parent, []).append(requirement)
    return below


def _correlations(catalogue: Catalogue) -> dict[str, list[tuple[str, str]]]:
    """``catalogue.correlated`` of every requirement at once (one pass over the correlations)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for c in catalogue.correlations:
        found.setdefault(c.source, set()).add((c.target, c.relation))
        found.setdefault(c.target, set()).add((c.source, INVERSE[c.relation]))
    return {rid: sorted(pairs) for rid, pairs in found.items()}


def _capped(verdict: Verdict) -> Verdict:
    """The first MAX_REASONS reasons (already in their report order), then how many more there are."""
    if len(verdict.reasons) <= MAX_REASONS:
        return verdict
    rest = len(verdict.reasons) - MAX_REASONS
    more = Reason("", 0, 0, "", MORE_CODE, f"... and {plural(rest, 'more reason')} like these: imscheck lists at most "
                  f"{MAX_REASONS} per requirement; fix these and check again", subject=verdict.requirement)
    return replace(verdict, reasons=verdict.reasons[:MAX_REASONS] + (more,), omitted=rest)


def _natural(text: str) -> tuple[Any, ...]:
    """A.5.9 before A.5.10 in messages too."""
    # Runs of ASCII digits compare by value, without int(): a message may quote a
    # 10,000-digit name, beyond what Python converts, or digits of other scripts.
    parts = re.split(r"([0-9]+)", text)
    return tuple((len(part.lstrip("0")), part.lstrip("0")) if i % 2 else part for i, part in enumerate(parts))


def _sorted(reasons: list[Reason]) -> tuple[Reason, ...]:
    return tuple(sorted(set(reasons), key=lambda r: (r.file, r.line, r.column, r.pointer, r.code, _natural(r.message))))


def _with_sharing(verdicts: dict[str, Verdict], catalogue: Catalogue) -> dict[str, Verdict]:
    out = {}
    correlated = _correlations(catalogue)
    for rid, verdict in verdicts.items():
        shared = []
        if verdict.status == MET and verdict.evidence:
            mine: set[str] | None = None  # built for the first requirement it is compared with
            for other, relation in correlated.get(rid, ()):
                theirs = verdicts.get(other)
                if (relation in SHARING_RELATIONS and theirs is not None and theirs.status == MET
                        and theirs.standard != verdict.standard):
                    mine = set(verdict.evidence) if mine is None else mine
                    if not mine.isdisjoint(theirs.evidence):
                        shared.append(other)
        out[rid] = replace(verdict, shared_with=tuple(sorted(set(shared), key=requirement_order)))
    return out
