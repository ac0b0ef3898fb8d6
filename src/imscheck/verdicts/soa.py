"""The Statement of Applicability as it stands in the IMS, one line per Annex A control.

Built beside the verdicts so that every report (the HTML report, the ``soa``
command) shows the same statement: every Annex A control of each claimed
ISO/IEC 27001 edition, in catalogue order, with the IMS's line for it or the
plain fact that there is none. Nothing here judges the lines; the rules do
(SOA01, CTL01) and their verdicts sit beside the statement in the reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..knowledge.catalogue import Catalogue
from ..load.ims import Entity, Ims


@dataclass(frozen=True)
class EvidenceDocument:
    id: str
    title: str
    path: str | None


@dataclass(frozen=True)
class SoaLine:
    control: str  # requirement id, e.g. ISO27001:2022/A.5.19
    title: str
    theme: str | None
    entry: str | None  # the SoA entry's id; None when the IMS has no line for the control
    applicable: bool | None
    implemented: bool | None
    justification: str
    documents: tuple[EvidenceDocument, ...] = ()
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class SoaCounts:
    """What a statement's summary says, counted once for every report that shows it."""

    controls: int
    applicable: int
    implemented: int  # of the applicable controls
    not_applicable: int
    missing: int  # controls the SoA has no line for

    @property
    def not_implemented(self) -> int:
        """Applicable controls not implemented, or whose implementation is not stated."""
        return self.applicable - self.implemented


@dataclass(frozen=True)
class Statement:
    """The SoA of one claimed ISO/IEC 27001 edition, with what an auditor reads in its header."""

    standard: str
    organisation: str
    system: str  # management system id
    system_name: str
    scope: str
    document: EvidenceDocument | None  # the approved release of the SoA, when the IMS names one
    document_version: str | None
    document_status: str | None
    document_approved_on: str | None
    lines: tuple[SoaLine, ...]

    def counts(self) -> SoaCounts:
        applicable = [x for x in self.lines if x.applicable is True]
        return SoaCounts(controls=len(self.lines), applicable=len(applicable),
                         implemented=sum(1 for x in applicable if x.implemented is True),
                         not_applicable=sum(1 for x in self.lines if x.applicable is False),
                         missing=sum(1 for x in self.lines if x.entry is None))


def _document(entity: Entity) -> EvidenceDocument:
    return EvidenceDocument(entity.id, entity.data.get("title", entity.id), entity.data.get("path"))


def _release(ims: Ims, system: Entity, standard: str) -> Entity | None:
    """The document that is the SoA itself: one naming the SoA clause, else one titled so."""
    mine = [d for d in ims.of_type("document") if system.id in d.data["management_systems"]]
    by_clause = [d for d in mine if f"{standard}/6.1.3" in d.data.get("requirements", [])]
    by_title = [d for d in mine if "statement of applicability" in d.data["title"].lower()]
    chosen = [d for d in by_clause if d in by_title] or by_title or by_clause
    return chosen[0] if chosen else None


def statements(ims: Ims, catalogue: Catalogue, standards: list[str] | tuple[str, ...]) -> tuple[Statement, ...]:
    claimed = ims.claimed_standards()
    organisation = next(iter(ims.of_type("organisation")), None)
    out = []
    for standard in standards:
        controls = [r for r in catalogue.of_standard(standard) if r.annex == "A"]
        if not controls or standard not in claimed:
            continue
        system = claimed[standard]
        entries: dict[str, Entity] = {}
        for entry in ims.of_type("soa_entry"):  # sorted by id: the first line for a control is the one shown
            if system.id in entry.data["management_systems"]:
                entries.setdefault(entry.data["control"], entry)
        lines = []
        for control in controls:
            entry = entries.get(control.id)
            if entry is None:
                lines.append(SoaLine(control.id, control.title, control.theme, None, None, None, ""))
                continue
            documents = tuple(_document(ims.by_id[d]) for d in entry.data.get("documents", []))
            file, line, _, _ = ims.location(entry.id)
            lines.append(SoaLine(control.id, control.title, control.theme, entry.id, entry.data["applicable"],
                                 entry.data.get("implemented"), entry.data["justification"], documents, file, line))
        release = _release(ims, system, standard)
        out.append(Statement(standard, organisation.data["name"] if organisation else "", system.id,
                             system.data.get("name", system.id), system.data["scope"]["statement"],
                             _document(release) if release else None,
                             release.data.get("version") if release else None,
                             release.data.get("status") if release else None,
                             release.data.get("approved_on") if release else None, tuple(lines)))
    return tuple(out)
