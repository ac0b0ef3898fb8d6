"""``imscheck evidence-matrix``: which evidence serves which requirement of which standard, and where to integrate.

The matrix comes from the check itself: the evidence of every met verdict
(headings that only gather their sub-clauses' evidence are left out, so each
item is listed where it does its work). The advice follows the idea of
integration planning in ISO/IEC TR 90006 (its Annex C), in imscheck's own
terms:

- merge: two maintained documents that belong to different management systems
  and meet correlated requirements of two standards; one integrated document
  could serve both, and be reviewed and approved once.
- met twice: correlated requirements of two standards that are both met, but
  by evidence with nothing in common; the work is done twice, and the two
  strands can drift apart.
- scopes: units, locations and services that one management system covers and
  another does not (where integration stops), and links that cross a scope's
  edge (a service in scope delivered by a unit outside it, a unit in scope
  working at a site outside it).

The advice is advice: it never changes a verdict, and the command exits 0
whenever it could read the IMS.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..api import CheckOptions, check_ims, guarded
from ..errors import UsageError
from ..knowledge.catalogue import STANDARD_ORDER, Catalogue, load_catalogue, requirement_order
from ..load.ims import Entity, Ims
from ..verdicts.decision import MET, Result, Verdict
from .browse import render_rows
from ..text import json_safe

FORMATS = ("markdown", "csv", "json")
SCOPE_KINDS = (("units", "unit"), ("locations", "location"), ("services", "service"))
TITLE_LENGTH = 90
NESTED = frozenset({"equal", "subset", "superset"})  # one requirement asks for what the other does, or part of it


def run_evidence_matrix(path: Path, root: Path | None, as_of: dt.date | None, fmt: str, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        if fmt not in FORMATS:
            raise UsageError(f"--format {fmt}: use one of {', '.join(FORMATS)}")
        ims, result = check_ims(CheckOptions(path=path, root=root, as_of=as_of))
        matrix = build(ims, result, load_catalogue())
        out.write(RENDERERS[fmt](matrix))
        return 0

    return guarded(run, err)


@dataclass(frozen=True)
class Matrix:
    as_of: str
    standards: tuple[str, ...]
    evidence: list[dict[str, Any]]
    merge: list[dict[str, Any]]
    met_twice: list[dict[str, Any]]
    scopes: list[dict[str, Any]]
    crossings: list[dict[str, Any]]


def _title(entity: Entity) -> str:
    data = entity.data
    text = " ".join(str(data.get("title") or data.get("name") or data.get("description") or entity.id).split())
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 3].rstrip() + "..."


def build(ims: Ims, result: Result, catalogue: Catalogue) -> Matrix:
    verdicts = {v.requirement: v for v in result.verdicts}
    working = {rid: v for rid, v in verdicts.items() if v.status == MET and v.evidence and not v.rolled_up}  # headings repeat their sub-clauses' evidence
    serves: dict[str, dict[str, list[str]]] = {}
    for rid, verdict in working.items():
        for item in verdict.evidence:
            serves.setdefault(item, {}).setdefault(verdict.standard, []).append(rid)
    evidence = []
    for item in sorted(serves):
        entity = ims.by_id.get(item)
        evidence.append({
            "id": item, "type": entity.type if entity else "", "title": _title(entity) if entity else item,
            "path": entity.data.get("path") if entity else None,
            "management_systems": list(entity.data.get("management_systems", [])) if entity else [],
            "serves": {s: sorted(serves[item][s], key=requirement_order) for s in result.standards if s in serves[item]},
        })
    pairs = _correlated_pairs(result, working, catalogue)
    systems = {standard: ims.claimed_standards()[standard].id for standard in result.standards}
    return Matrix(result.as_of.isoformat(), result.standards, evidence, _merge(ims, pairs, working, systems),
                  _met_twice(pairs, working), _scopes(ims, result.standards), _crossings(ims, result.standards))


def _correlated_pairs(result: Result, working: dict[str, Verdict], catalogue: Catalogue) -> list[tuple[str, str, str]]:
    """(a, b, relation seen from a) for correlations between two claimed standards whose ends are both met."""
    order = {s: i for i, s in enumerate(STANDARD_ORDER)}
    out = set()
    for c in catalogue.correlations:
        a, b, relation = c.source, c.target, c.relation
        if a not in working or b not in working or working[a].standard == working[b].standard:
            continue
        if order[working[a].standard] > order[working[b].standard]:
            a, b, relation = b, a, {"subset": "superset", "superset": "subset"}.get(relation, relation)
        out.add((a, b, relation))
    return sorted(out, key=lambda p: (requirement_order(p[0]), requirement_order(p[1])))


def _maintained(ims: Ims, ids: set[str]) -> set[str]:
    return {i for i in ids if i in ims.by_id and ims.by_id[i].type == "document" and ims.by_id[i].data.get("kind") == "document"}


def _names(document: Entity, requirement: str) -> bool:
    """The document says it is evidence for the requirement or one of its sub-clauses."""
    return any(r == requirement or r.startswith(requirement + ".") for r in document.data.get("requirements", []))


def _merge(ims: Ims, pairs: list[tuple[str, str, str]], working: dict[str, Verdict], systems: dict[str, str]) -> list[dict[str, Any]]:
    found: dict[tuple[str, str], list[list[str]]] = {}
    for a, b, relation in pairs:
        if relation not in NESTED:
            continue
        mine, theirs = set(working[a].evidence), set(working[b].evidence)
        system_a, system_b = systems[working[a].standard], systems[working[b].standard]
        # Documents of different systems, each written for its side of the correlation (it names that
        # requirement): a policy and a policy, not a policy and whatever else happens to be evidence.
        left = [d for d in _maintained(ims, mine - theirs)
                if system_b not in ims.by_id[d].data["management_systems"] and _names(ims.by_id[d], a)]
        right = [d for d in _maintained(ims, theirs - mine)
                 if system_a not in ims.by_id[d].data["management_systems"] and _names(ims.by_id[d], b)]
        for x in left:
            for y in right:
                found.setdefault((x, y), []).append([a, b, relation])
    out = []
    for (x, y), served in found.items():
        dx, dy = ims.by_id[x], ims.by_id[y]
        out.append({"documents": [x, y], "titles": [_title(dx), _title(dy)], "paths": [dx.data.get("path"), dy.data.get("path")],
                    "management_systems": [list(dx.data["management_systems"]), list(dy.data["management_systems"])],
                    "requirements": served,
                    "advice": f"{x} ({', '.join(dx.data['management_systems'])}) and {y} ({', '.join(dy.data['management_systems'])}) "
                              f"meet correlated requirements ({'; '.join(f'{p[0]} {p[2]} {p[1]}' for p in served)}): "
                              "consider one integrated document for both systems, reviewed and approved once"})
    out.sort(key=lambda m: (-len(m["requirements"]), m["documents"]))
    return out


def _met_twice(pairs: list[tuple[str, str, str]], working: dict[str, Verdict]) -> list[dict[str, Any]]:
    out = []
    for a, b, relation in pairs:
        mine, theirs = working[a].evidence, working[b].evidence
        # An intersection overlaps only in part, so separate evidence is expected there.
        if relation not in NESTED or set(mine) & set(theirs):
            continue
        out.append({"requirements": [a, b], "relation": relation, "evidence": {a: list(mine), b: list(theirs)},
                    "advice": f"{a} and {b} ({relation}) are both met, by evidence with nothing in common "
                              f"({', '.join(mine)} / {', '.join(theirs)}): one integrated practice could meet both"})
    return out


def _scope_of(ims: Ims, standards: tuple[str, ...]) -> dict[str, tuple[str, dict[str, Any]]]:
    claimed = ims.claimed_standards()
    return {s: (claimed[s].id, claimed[s].data["scope"]) for s in standards}


def _scopes(ims: Ims, standards: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every unit, location and service, and the management systems whose scope covers it, where they differ."""
    scopes = _scope_of(ims, standards)
    everyone = [scopes[s][0] for s in standards]
    out = []
    for key, etype in SCOPE_KINDS:
        for entity in ims.of_type(etype):
            inside = [scopes[s][0] for s in standards if entity.id in scopes[s][1].get(key, [])]
            if inside == everyone:
                continue  # covered by every system: integration is possible here
            outside = [m for m in everyone if m not in inside]
            if inside:
                advice = (f"{etype} {entity.id} is in the scope of {', '.join(inside)} but not of {', '.join(outside)}: "
                          "integrated procedures and evidence reach it only for the systems that cover it; "
                          "make sure that is intended and the scope statements say why")
            else:
                advice = f"{etype} {entity.id} is in no management system's scope: leave it out of the IMS or bring it into a scope"
            out.append({"kind": etype, "id": entity.id, "name": _title(entity), "in_scope_of": inside,
                        "outside_scope_of": outside, "advice": advice})
    return out


def _crossings(ims: Ims, standards: tuple[str, ...]) -> list[dict[str, Any]]:
    """Links that cross a scope's edge: services in scope delivered by units outside it; units in scope at sites outside it."""
    out = []
    for standard, (system, scope) in _scope_of(ims, standards).items():
        units, locations = scope.get("units"), scope.get("locations")
        if units is not None:
            for service_id in scope.get("services", []):
                service = ims.by_id[service_id]
                for unit in service.data.get("units", []):
                    if unit not in units:
                        out.append({"management_system": system, "standard": standard, "kind": "service-unit",
                                    "inside": service_id, "outside": unit,
                                    "advice": f"service {service_id} is in the scope of {system} ({standard}) but is delivered "
                                              f"partly by unit {unit}, which is outside it: bring the unit into the scope, or show "
                                              "how the system controls what that unit does for the service"})
        if locations is not None and units is not None:
            for unit_id in units:
                for location in ims.by_id[unit_id].data.get("locations", []):
                    if location not in locations:
                        out.append({"management_system": system, "standard": standard, "kind": "unit-location",
                                    "inside": unit_id, "outside": location,
                                    "advice": f"unit {unit_id} is in the scope of {system} ({standard}) but works at location "
                                              f"{location}, which is outside it: add the site or say in the scope why it is left out"})
    return out


def as_records(matrix: Matrix) -> dict[str, Any]:
    return {"as_of": matrix.as_of, "standards": list(matrix.standards), "evidence": matrix.evidence,
            "advice": {"merge": matrix.merge, "met_twice": matrix.met_twice, "scopes": matrix.scopes,
                       "scope_crossings": matrix.crossings}}


def render_json(matrix: Matrix) -> str:
    return json_safe(json.dumps(as_records(matrix), indent=2, ensure_ascii=False)) + "\n"


def _clauses(ids: list[str]) -> str:
    return ", ".join(i.split("/", 1)[1] for i in ids)


def render_markdown(matrix: Matrix) -> str:
    out = [f"# Evidence matrix, as of {matrix.as_of}", "",
           "Which evidence serves which requirement (clause numbers per standard), from the met verdicts of the check.", ""]
    columns = [("id", "Evidence"), ("type", "Type"), ("where", "File")] + [(s, s) for s in matrix.standards]
    rows = [{"id": e["id"], "type": e["type"], "where": e["path"] or "",
             **{s: _clauses(e["serves"].get(s, [])) for s in matrix.standards}} for e in matrix.evidence]
    out.append(render_rows(rows, columns, "markdown"))
    out += ["## Integration advice", "",
            "In the spirit of ISO/IEC TR 90006 (integration of management systems): where the systems could share more, "
            "and where their scopes part.", ""]
    out += ["### Documents that could be merged", ""]
    out.append(render_rows([{"a": f"{m['documents'][0]} ({', '.join(m['management_systems'][0])})",
                             "b": f"{m['documents'][1]} ({', '.join(m['management_systems'][1])})",
                             "r": "; ".join(f"{p[0]} {p[2]} {p[1]}" for p in m["requirements"])} for m in matrix.merge],
                           [("a", "Document"), ("b", "Document"), ("r", "Correlated requirements both serve")], "markdown")
               if matrix.merge else "None: no two documents of different systems serve the same correlated requirements.\n")
    out += ["### Requirements met twice by separate evidence", ""]
    out.append(render_rows([{"a": t["requirements"][0], "rel": t["relation"], "b": t["requirements"][1],
                             "ea": ", ".join(t["evidence"][t["requirements"][0]]),
                             "eb": ", ".join(t["evidence"][t["requirements"][1]])} for t in matrix.met_twice],
                           [("a", "Requirement"), ("rel", "Relation"), ("b", "Correlated requirement"),
                            ("ea", "Its evidence"), ("eb", "The other's evidence")], "markdown")
               if matrix.met_twice else "None: every pair of correlated met requirements shares some evidence.\n")
    out += ["### Scopes: where they overlap and where they part", ""]
    out.append(render_rows([{"kind": s["kind"], "id": s["id"], "name": s["name"], "in": ", ".join(s["in_scope_of"]) or "none",
                             "out": ", ".join(s["outside_scope_of"])} for s in matrix.scopes],
                           [("kind", "Kind"), ("id", "Id"), ("name", "Name"), ("in", "In the scope of"), ("out", "Not in the scope of")],
                           "markdown") if matrix.scopes else "Every unit, location and service is in the scope of every system.\n")
    out += ["### Links across a scope's edge", ""]
    out.append("\n".join(f"- {c['advice']}" for c in matrix.crossings) + "\n" if matrix.crossings
               else "None: every service in a scope is delivered by units in that scope, and every unit works at sites in it.\n")
    return "\n".join(out)


def render_csv(matrix: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "evidence", "type", "title", "path", "standard", "requirement", "advice"])
    for e in matrix.evidence:
        for standard, ids in e["serves"].items():
            for rid in ids:
                writer.writerow(["serves", e["id"], e["type"], e["title"], e["path"] or "", standard, rid, ""])
    for m in matrix.merge:
        writer.writerow(["merge", " ".join(m["documents"]), "document", " / ".join(m["titles"]), " ".join(p or "" for p in m["paths"]),
                         "", " ".join(p[0] + " " + p[1] for p in m["requirements"]), m["advice"]])
    for t in matrix.met_twice:
        writer.writerow(["met-twice", "", "", "", "", "", " ".join(t["requirements"]), t["advice"]])
    for s in matrix.scopes:
        writer.writerow(["scope", "", s["kind"], s["name"], "", "", "", s["advice"]])
    for c in matrix.crossings:
        writer.writerow(["scope-crossing", "", c["kind"], "", "", c["standard"], "", c["advice"]])
    return buffer.getvalue()


RENDERERS = {"markdown": render_markdown, "csv": render_csv, "json": render_json}
