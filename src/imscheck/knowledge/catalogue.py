"""Requirement catalogues and the correlations between them, read from ``rules/``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import resources
from ..containment import real_root, shown_path
from ..errors import InputError, Problem
from ..load.schemacheck import schema_problems
from ..load.yamlsource import YamlSource, read_yaml_file
from . import bundled

# The order standards are shown in everywhere: current editions first.
STANDARD_ORDER = ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022", "ISO27001:2013", "ISO9001:2008", "ISO20000-1:2011")
RELATIONS = ("equal", "subset", "superset", "intersect")
INVERSE = {"equal": "equal", "subset": "superset", "superset": "subset", "intersect": "intersect"}


@dataclass(frozen=True)
class DocumentedInformation:
    kind: str  # maintained | retained
    subject: str
    conditional: bool = False  # asked for only when something happens: a declaration that nothing did may stand in


@dataclass(frozen=True)
class Requirement:
    id: str
    standard: str
    clause: str
    title: str
    summary: str
    hs: str | None
    exclusion: str  # never | justified
    documented_information: tuple[DocumentedInformation, ...]
    amendment: str | None = None
    annex: str | None = None
    theme: str | None = None
    attestation: str | None = None  # the evidence a person attesting it should look at

    @property
    def excludable(self) -> bool:
        return self.exclusion == "justified"


@dataclass(frozen=True)
class Correlation:
    source: str  # requirement id
    target: str
    relation: str
    note: str | None
    basis: str


@dataclass(frozen=True)
class Gap:
    """A requirement mapped on purpose to nothing in another standard (a control new in an edition)."""
    requirement: str
    missing_in: str  # the standard with no counterpart
    basis: str


@dataclass(frozen=True)
class Catalogue:
    requirements: dict[str, Requirement]
    correlations: tuple[Correlation, ...]
    without_counterpart: frozenset[str] = frozenset()  # mapped on purpose to nothing (new in an edition)
    gaps: tuple[Gap, ...] = ()  # the same, with the standard each has no counterpart in

    def standards(self) -> list[str]:
        present = {r.standard for r in self.requirements.values()}
        return [s for s in STANDARD_ORDER if s in present]

    def of_standard(self, standard: str) -> list[Requirement]:
        return sorted((r for r in self.requirements.values() if r.standard == standard), key=requirement_order)

    def children(self, requirement_id: str) -> list[Requirement]:
        """The sub-clauses one level down (9.3 -> 9.3.1, 9.3.2, 9.3.3)."""
        depth = requirement_id.count(".") + 1
        return [r for r in self.requirements.values()
                if r.id.startswith(requirement_id + ".") and r.id.count(".") == depth]

    def correlated(self, requirement_id: str) -> list[tuple[str, str]]:
        """(other requirement, relation seen from ``requirement_id``), both directions."""
        out = []
        for c in self.correlations:
            if c.source == requirement_id:
                out.append((c.target, c.relation))
            elif c.target == requirement_id:
                out.append((c.source, INVERSE[c.relation]))
        return sorted(set(out))

    def without_counterpart_in(self, requirement_id: str) -> list[str]:
        """The standards in which ``requirement_id`` has, on purpose, no counterpart."""
        return [g.missing_in for g in self.gaps if g.requirement == requirement_id]


def clause_key(clause: str) -> tuple[Any, ...]:
    """Natural order of clause numbers: 9.3 < 10.1, A.5.2 < A.5.19, clauses before Annex A."""
    annex = clause.startswith("A.")
    numbers = tuple(int(p) for p in re.findall(r"\d+", clause))
    return (annex, numbers)


def requirement_order(requirement: Requirement | str) -> tuple[Any, ...]:
    rid = requirement if isinstance(requirement, str) else requirement.id
    standard, _, clause = rid.partition("/")
    rank = STANDARD_ORDER.index(standard) if standard in STANDARD_ORDER else len(STANDARD_ORDER)
    return (rank, standard, clause_key(clause))


@lru_cache(maxsize=None)
def load_catalogue(rules_dir: Path | None = None) -> Catalogue:
    base = rules_dir or resources.data_dir("rules")
    requirements: dict[str, Requirement] = {}
    problems = []
    for path in sorted((base / "catalogues").glob("*.yaml")):
        source, found = _read_valid(path, base, rules_dir is None, "catalogue.schema.json")
        if found:
            problems.extend(found)
            continue
        standard = source.data["standard"]
        for i, entry in enumerate(source.data["requirements"]):
            rid = f"{standard}/{entry['clause']}"
            if rid in requirements:
                problems.append(source.problem(("requirements", i, "clause"), f"requirement {rid} is listed twice"))
                continue
            requirements[rid] = Requirement(
                id=rid, standard=standard, clause=entry["clause"], title=entry["title"],
                summary=entry["summary"], hs=entry.get("hs"), exclusion=entry["exclusion"],
                documented_information=tuple(DocumentedInformation(d["kind"], d["subject"], d.get("conditional", False)) for d in entry.get("documented_information", [])),
                amendment=entry.get("amendment"), annex=entry.get("annex"), theme=entry.get("theme"),
                attestation=entry["attestation"]["evidence"] if "attestation" in entry else None)
    correlations = []
    gaps: set[Gap] = set()
    gap_at: dict[tuple[str, str], Any] = {}  # the problem to report if a row contradicts the gap
    for path in sorted((base / "correlations").glob("*.yaml")):
        source, found = _read_valid(path, base, rules_dir is None, "correlations.schema.json")
        if found:
            problems.extend(found)
            continue
        basis = source.data.get("source", "")
        for i, rid in enumerate(source.data.get("without_counterpart", [])):
            if rid not in requirements:
                problems.append(source.problem(("without_counterpart", i), f"{rid} is not in any catalogue"))
                continue
            # The standard it lacks a counterpart in is the one this file maps into its standard from.
            own = rid.partition("/")[0]
            others = sorted({row["from"].partition("/")[0] for row in source.data["correlations"]
                             if row["to"].partition("/")[0] == own and row["from"].partition("/")[0] != own})
            if not others:
                problems.append(source.problem(("without_counterpart", i), f"{rid}: this file maps nothing from another "
                                                f"standard into {own}, so it does not say where {rid} lacks a "
                                                "counterpart; add those rows or remove it from without_counterpart"))
            for other in others:
                gaps.add(Gap(rid, other, basis))
                gap_at[(rid, other)] = source.problem(("without_counterpart", i), f"{rid} is listed as without counterpart "
                                                      f"in {other}, yet a correlation row links it to {other}: keep one of them")
        for i, row in enumerate(source.data["correlations"]):
            for end in ("from", "to"):
                if row[end] not in requirements:
                    problems.append(source.problem(("correlations", i, end), f"{row[end]} is not in any catalogue"))
            correlations.append(Correlation(row["from"], row["to"], row["relation"], row.get("note"), row.get("source", source.data.get("source", ""))))
    linked = {(c.source, c.target.partition("/")[0]) for c in correlations} | {(c.target, c.source.partition("/")[0]) for c in correlations}
    problems.extend(problem for key, problem in gap_at.items() if key in linked)
    if problems:
        raise InputError(problems)
    ordered = tuple(sorted(set(correlations), key=lambda c: (requirement_order(c.source), requirement_order(c.target))))
    ordered_gaps = tuple(sorted(gaps, key=lambda g: (requirement_order(g.requirement), g.missing_in)))
    return Catalogue(requirements, ordered, frozenset(g.requirement for g in gaps), ordered_gaps)


def _read_valid(path: Path, base: Path, is_bundled: bool, schema: str) -> tuple[YamlSource, list[Problem]]:
    """A catalogue or correlation file and its schema problems; imscheck's own through its snapshot."""
    shown = shown_path(path, base, prefix="rules/")
    if is_bundled:
        return bundled.read(path, shown, real_root(base)), []
    source = read_yaml_file(path, shown, real_root(base))
    return source, schema_problems(source, schema)
