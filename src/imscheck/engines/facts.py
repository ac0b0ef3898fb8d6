"""From an IMS to facts: the entities as flat records, plus a few derived attributes.

Rules see every attribute the schema defines, and these derived ones:

``standards`` (every type)
    The standards an entity belongs to. For units, locations and services:
    the standards whose scope lists them. For everything else: the standards
    of the management systems it names. This is what makes rules scope-aware.
``in_house`` (process)
    True when no other party operates the process.
``file_status`` (document)
    ``present``, ``missing``, ``empty``, or ``none`` when no path is given.
``requirement`` facts
    The catalogue's requirements of the claimed standards (id, standard,
    clause, title, annex, theme, hs, exclusion, and ``asks_for``: the
    documented information the catalogue says it asks for, as a phrase), e.g.
    to ask that every Annex A control has a Statement of Applicability entry.
Declared intervals
    A management system's ``intervals`` (internal audit, management review,
    context review, risk assessment) replace the rule parameters of the same
    name for its standard: freshness is judged by the organisation's own plan.
``git_state``, ``last_changed``, ``last_commit``, ``changed_after_approval`` (document)
    From git, when the root is in a work tree (see evidence/git.py): the
    file's state (``committed``, ``modified``, ``added``, ``untracked``,
    ``ignored``, ``deleted``, ``missing``), the day and short id of the last
    commit that changed it (absent when unknown, or when the day comes from
    the edge of a shallow clone and may be too late), and whether the
    file's content, as of the day the check judges by, differs from its
    content on ``approved_on`` (see ``GitEvidence.changed_since``: a revert
    is no change, and a file's arrival in git is not one either). With
    ``require_committed``, a file that is not committed has ``file_status``
    ``missing``: what a fresh clone would see.
``review_due`` (document, supplier)
    The date the next review is due: last review (or approval) plus the
    declared interval, or plus the default interval when none is declared.
    For a supplier, the last review is its latest ``supplier_reviews`` record
    (``latest_review``), never the ``last_reviewed`` date alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..knowledge.catalogue import Catalogue
from ..evidence.files import evidence_status
from ..evidence.states import DELETED, MISSING, UNCOMMITTED
from ..load.ims import Ims

if TYPE_CHECKING:
    from ..evidence.git import GitEvidence  # imported by the runs that read git

DEFAULT_REVIEW_INTERVAL_MONTHS = 12

@dataclass
class Facts:
    """Facts by type, each type's list sorted by id; one fact per entity."""

    by_type: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    declared: dict[str, dict[str, Any]] = field(default_factory=dict)  # standard -> intervals its management system declares

    def of_type(self, name: str) -> list[dict[str, Any]]:
        return self.by_type.get(name, [])

    def count(self) -> int:
        return len(self.by_id)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar arithmetic: 31 January plus one month is the last day of February."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _due(last: str | None, months: int | None) -> str | None:
    if last is None:
        return None
    return add_months(dt.date.fromisoformat(last), months or DEFAULT_REVIEW_INTERVAL_MONTHS).isoformat()


def _asks_for(requirement: Any) -> str | None:
    """The documented information a requirement asks for, as one phrase for messages."""
    kinds = {"maintained": "a maintained document", "retained": "a retained record"}
    parts = [f"{kinds.get(d.kind, d.kind)} of {d.subject}" for d in requirement.documented_information]
    return "; ".join(parts) or None


def _git_attributes(fact: dict[str, Any], git: GitEvidence, require_committed: bool, as_of: dt.date | None) -> None:
    state = git.state(fact["path"], fact["file_status"] != "missing")
    fact["git_state"] = state.state
    if require_committed and state.state in UNCOMMITTED:
        fact["file_status"] = "missing"
    commit = state.commit
    if commit is None or commit.shallow or state.state in (DELETED, MISSING):
        return
    fact["last_changed"], fact["last_commit"] = commit.date, commit.short
    approved = fact.get("approved_on")
    change = git.changed_since(fact["path"], approved, as_of.isoformat() if as_of else None) if approved else None
    if change is not None:
        fact["changed_after_approval"] = True
        fact["last_changed"], fact["last_commit"] = change.date, change.short


def build_facts(ims: Ims, catalogue: Catalogue, git: GitEvidence | None = None, require_committed: bool = False,
                as_of: dt.date | None = None) -> Facts:
    """``git``: the evidence files' git state, when available; ``as_of``: later commits are not yet changes."""
    facts = Facts()
    with_git = git is not None and git.available
    systems = {e.id: e.data["standard"] for e in ims.of_type("management_system")}
    latest_reviews: dict[str, Any] = {}
    for review in ims.of_type("supplier_review"):
        current = latest_reviews.get(review.data["supplier"])
        if current is None or (review.data["date"], review.id) > (current.data["date"], current.id):
            latest_reviews[review.data["supplier"]] = review
    in_scope: dict[str, set[str]] = {}
    for ms in ims.of_type("management_system"):
        scope = ms.data["scope"]
        for kind in ("units", "locations", "services"):
            for ref in scope.get(kind, []):
                in_scope.setdefault(ref, set()).add(ms.data["standard"])
    # Thousands of entries name the same few management systems, and dates repeat: each
    # distinct set of systems and each distinct due date is worked out once.
    by_systems: dict[tuple[str, ...], list[str]] = {}
    dues: dict[tuple[Any, ...], str | None] = {}

    def due(last: str | None, months: int | None) -> str | None:
        key = (last, type(months), months)  # 12 and 12.0 are equal keys, not equal intervals
        found = dues.get(key, dues)
        if found is dues:
            found = dues[key] = _due(last, months)
        return found  # type: ignore[return-value]

    for type_name, entities in ims.entities.items():
        rows = []
        named_systems = type_name not in ("management_system", "organisation", "unit", "location", "service")
        for entity in entities:
            fact = dict(entity.data)
            fact["type"] = type_name
            if named_systems:
                named = fact.get("management_systems", [])
                key = tuple(named)
                standards = by_systems.get(key)
                if standards is None:
                    standards = by_systems[key] = sorted({systems[m] for m in named})
                fact["standards"] = list(standards)
            elif type_name == "management_system":
                fact["standards"] = [fact["standard"]]
            elif type_name == "organisation":
                fact["standards"] = sorted(set(systems.values()))
            else:  # unit, location, service
                fact["standards"] = sorted(in_scope.get(entity.id, ()))
            if type_name == "process":
                fact["in_house"] = "operated_by" not in fact
            elif type_name == "document":
                fact["file_status"] = evidence_status(ims.root, fact["path"], ims.locate_evidence) if "path" in fact else "none"
                fact["changed_after_approval"] = False
                if with_git and "path" in fact:
                    _git_attributes(fact, git, require_committed, as_of)  # type: ignore[arg-type]
                fact["review_due"] = due(fact.get("last_reviewed") or fact.get("approved_on"), fact.get("review_interval_months"))
            elif type_name == "supplier":
                # Records, not dates: the next evaluation is due from the latest recorded review.
                latest = latest_reviews.get(entity.id)
                if latest is not None:
                    fact["latest_review"] = latest.id
                fact["review_due"] = due(latest.data["date"] if latest else None, fact.get("review_interval_months"))
            rows.append(fact)
            facts.by_id[entity.id] = fact
        facts.by_type[type_name] = rows
    for ms in ims.of_type("management_system"):
        facts.declared[ms.data["standard"]] = dict(ms.data.get("intervals", {}))
    claimed = set(systems.values())
    requirements = []
    for requirement in catalogue.requirements.values():
        if requirement.standard in claimed:
            requirements.append({"type": "requirement", "id": requirement.id, "standard": requirement.standard,
                                 "clause": requirement.clause, "title": requirement.title, "annex": requirement.annex,
                                 "theme": requirement.theme, "hs": requirement.hs, "exclusion": requirement.exclusion,
                                 "asks_for": _asks_for(requirement), "standards": [requirement.standard],
                                 "conditional": bool(requirement.documented_information)
                                 and all(d.conditional for d in requirement.documented_information)})
    facts.by_type["requirement"] = sorted(requirements, key=lambda r: r["id"])
    return facts
