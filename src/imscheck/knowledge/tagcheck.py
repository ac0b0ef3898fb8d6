"""Warnings about claims in the IMS that no verdict will ever read.

A `requirements:` tag on a document or process, an SoA line or an attestation
is the organisation saying "this is evidence for that requirement". When the
requirement belongs to a standard the entity's management systems do not
claim, or no rule reads tags for it, the claim silently counts for nothing;
these warnings say so, with the place to edit. They never change a verdict or
the exit code.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..errors import Warning
from ..load.ims import Entity, Ims
from .catalogue import Catalogue
from .rulebook import Binding, Const, Param, Rule

TAGGED_TYPES = ("document", "process")


def tag_readers(rules: Iterable[Rule]) -> dict[str, set[str]]:
    """Entity type -> the requirement ids some rule looks for in that type's `requirements` tags."""
    readers: dict[str, set[str]] = {}
    for rule in rules:
        bindings: list[Binding] = []
        for expectation in rule.expectations:
            bindings.extend(expectation.query + expectation.require)
        for binding in bindings:
            for condition in binding.conditions:
                if condition.attribute != "requirements" or condition.operator != "contains" or binding.type is None:
                    continue
                read = readers.setdefault(binding.type, set())
                operand = condition.operand
                if isinstance(operand, Param) and operand.name == "requirement":
                    read.update(rule.decides)
                elif isinstance(operand, Param):
                    read.update(v[operand.name] for v in rule.parameters.values() if isinstance(v.get(operand.name), str))
                elif isinstance(operand, Const) and isinstance(operand.value, str):
                    read.add(operand.value)
    return readers


def tag_warnings(ims: Ims, catalogue: Catalogue, rules: Iterable[Rule] | None) -> tuple[Warning, ...]:
    """``rules`` None: only the checks that need no rules (as in ``validate`` without rules)."""
    systems = {e.id: e.data["standard"] for e in ims.of_type("management_system")}
    claimed = set(systems.values())
    readers = tag_readers(rules) if rules is not None else None
    found: list[Warning] = []

    def warn(entity: Entity, attribute: tuple[Any, ...], message: str) -> None:
        line, column = entity.source.locate(entity.parts + attribute)  # what ims.location finds, without the pointer
        found.append(Warning(entity.source.file, line, column, message))

    judged: dict[tuple[str, tuple[str, ...]], str | None] = {}  # thousands of tags repeat a few (requirement, systems)

    def outside(rid: str, entity_systems: list[str]) -> str | None:
        key = (rid, tuple(entity_systems))
        if key not in judged:
            judged[key] = _outside(rid, entity_systems)
        return judged[key]

    def _outside(rid: str, entity_systems: list[str]) -> str | None:
        standard = rid.split("/", 1)[0]
        if standard not in claimed:
            return f"{rid} is a requirement of {standard}, which no management system of this IMS claims"
        if not any(systems.get(m) == standard for m in entity_systems):
            mine = ", ".join(entity_systems) or "no management system"
            return f"{rid} is a requirement of {standard}, but this entry belongs to {mine}, not to the system claiming {standard}"
        return None

    for type_name in TAGGED_TYPES:
        read = readers.get(type_name, set()) if readers is not None else None
        for entity in ims.of_type(type_name):
            tags = entity.data.get("requirements")
            if not tags:
                continue
            entity_systems = entity.data.get("management_systems", [])
            for i, rid in enumerate(tags):
                problem = outside(rid, entity_systems)
                if problem is not None:
                    warn(entity, ("requirements", i), f"{type_name} {entity.id} lists {problem}: the tag counts for nothing; "
                                                         "remove it or attach the entry to that standard's management system")
                elif read is not None and rid not in read:
                    warn(entity, ("requirements", i), f"{type_name} {entity.id} lists {rid}, but no rule reads {type_name} tags "
                                                         f"for that requirement, so the tag counts for nothing (see 'imscheck "
                                                         "coverage' for how it is decided)")
    for entry in ims.of_type("soa_entry"):
        problem = outside(entry.data["control"], entry.data.get("management_systems", []))
        if problem is not None:
            warn(entry, ("control",), f"Statement of Applicability line {entry.id}: {problem}; the line counts for nothing")
    for attestation in ims.of_type("attestation"):
        rid = attestation.data["requirement"]
        problem = outside(rid, attestation.data.get("management_systems", []))
        if problem is None and catalogue.requirements.get(rid) is not None and not catalogue.requirements[rid].attestation:
            problem = f"{rid} is decided by rules, not by attestation"
        if problem is not None:
            warn(attestation, ("requirement",), f"attestation {attestation.id}: {problem}; it counts for nothing")
    # The dataclass's own order, by a key: its generated comparisons cost a call each.
    return tuple(sorted(set(found), key=lambda w: (w.file, w.line, w.column, w.message)))
