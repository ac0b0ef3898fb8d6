"""Commands that show what imscheck knows: the catalogue, the correlations, one requirement."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Sequence, TextIO

from .. import resources
from ..api import check_standard_ids, guarded
from ..knowledge.catalogue import INVERSE, STANDARD_ORDER, Catalogue, Requirement, load_catalogue, requirement_order
from ..errors import UsageError
from .lookup import find_rule, resolve_requirement
from ..knowledge.rulebook import load_rules
from ..reports.markdown import escape
from ..text import json_safe

FORMATS = ("table", "json", "csv", "markdown")
NO_COUNTERPART = "(no counterpart)"  # the empty end of a matrix row in the text formats


def _check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> None:
    if fmt not in allowed:
        raise UsageError(f"--format {fmt}: use one of {', '.join(allowed)}")


def render_rows(rows: list[dict[str, Any]], columns: list[tuple[str, str]], fmt: str) -> str:
    """Rows as a plain table, CSV or Markdown; ``columns`` are (key, heading)."""
    cells = [["" if row.get(key) is None else str(row[key]) for key, _ in columns] for row in rows]
    headings = [heading for _, heading in columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headings)
        writer.writerows(cells)
        return buffer.getvalue()
    if fmt == "markdown":
        def line(values: list[str]) -> str:
            return "| " + " | ".join(escape(v) for v in values) + " |"
        return "\n".join([line(headings), "|" + "|".join("---" for _ in headings) + "|"] + [line(c) for c in cells]) + "\n"
    widths = [max(len(r[i]) for r in cells + [headings]) for i in range(len(headings))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in [headings] + cells) + "\n"


def catalogue_records(requirements: list[Requirement]) -> list[dict[str, Any]]:
    return [{"id": r.id, "standard": r.standard, "clause": r.clause, "title": r.title, "summary": r.summary,
             "harmonized_structure": r.hs, "exclusion": r.exclusion, "amendment": r.amendment,
             "annex": r.annex, "theme": r.theme,
             "documented_information": [{"kind": d.kind, "subject": d.subject} for d in r.documented_information]}
            for r in requirements]


def run_catalogue(standards: list[str], fmt: str, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        _check_format(fmt)
        check_standard_ids(standards)
        catalogue = load_catalogue()
        chosen = standards or catalogue.standards()
        records = catalogue_records([r for s in STANDARD_ORDER if s in chosen for r in catalogue.of_standard(s)])
        if fmt == "json":
            out.write(json_safe(json.dumps(records, indent=2, ensure_ascii=False)) + "\n")
        else:
            columns = [("id", "requirement"), ("title", "title"), ("harmonized_structure", "harmonized structure"),
                       ("exclusion", "exclusion")]
            if fmt != "table":
                columns.append(("summary", "summary"))
            out.write(render_rows(records, columns, fmt))
        return 0

    return guarded(run, err)


def correlation_rows(catalogue: Catalogue, source: str | None, target: str | None) -> list[dict[str, Any]]:
    """Correlations seen from ``source`` to ``target`` (either may be None), both directions."""
    rows = []
    for c in catalogue.correlations:
        for a, b, relation in ((c.source, c.target, c.relation), (c.target, c.source, INVERSE[c.relation])):
            if (source is None or a.startswith(source + "/")) and (target is None or b.startswith(target + "/")):
                rows.append({"from": a, "from_title": catalogue.requirements[a].title, "relation": relation,
                             "to": b, "to_title": catalogue.requirements[b].title, "note": c.note, "source": c.basis})
                break  # each correlation once
    rows.sort(key=lambda r: (requirement_order(r["from"]), requirement_order(r["to"])))
    return rows + gap_rows(catalogue, source, target)


def gap_rows(catalogue: Catalogue, source: str | None, target: str | None) -> list[dict[str, Any]]:
    """Requirements mapped on purpose to nothing (the controls new in 27001:2022), as rows with one end empty.

    A gap is read forwards (nothing in the old standard -> the new requirement) unless the
    question asks from the requirement's own standard or towards the one it lacks a counterpart in.
    """
    rows = []
    for gap in catalogue.gaps:
        own = gap.requirement.partition("/")[0]
        backwards = source == own or target == gap.missing_in
        left, right = (own, gap.missing_in) if backwards else (gap.missing_in, own)
        if source not in (None, left) or target not in (None, right):
            continue
        title = catalogue.requirements[gap.requirement].title
        ends = ({"from": gap.requirement, "from_title": title, "to": None, "to_title": None} if backwards else
                {"from": None, "from_title": None, "to": gap.requirement, "to_title": title})
        rows.append({**ends, "relation": None, "note": f"Without counterpart in {gap.missing_in}.", "source": gap.basis})
    return rows


def run_matrix(source: str | None, target: str | None, fmt: str, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        _check_format(fmt)
        check_standard_ids([s for s in (source, target) if s])
        rows = correlation_rows(load_catalogue(), source, target)
        if fmt == "json":
            # A requirement without counterpart keeps the row shape: the missing end and the relation are null.
            out.write(json_safe(json.dumps([{k: r[k] for k in ("from", "to", "relation", "note", "source")} for r in rows],
                                           indent=2, ensure_ascii=False)) + "\n")
            return 0
        rows = [{**r, "from": r["from"] or NO_COUNTERPART, "to": r["to"] or NO_COUNTERPART, "relation": r["relation"] or "none"}
                for r in rows]
        if fmt == "table":
            out.write(render_rows(rows, [("from", "from"), ("relation", "relation"), ("to", "to")], fmt))
        else:
            # The cross-reference an auditor reads: both clauses with titles, the relation and what differs.
            out.write(render_rows(rows, [("from", source or "from"), ("from_title", "title"), ("relation", "relation"),
                                         ("to", target or "to"), ("to_title", "title"), ("note", "difference"),
                                         ("source", "basis")], fmt))
        return 0

    return guarded(run, err)


def run_explain(requirement_id: str, fmt: str, out: TextIO, err: TextIO,
                rules_dirs: Sequence[Path] = (), standards: Sequence[str] = ()) -> int:
    """``requirement_id``: a requirement id, a short form of one, or a rule id or name (see lookup.py)."""
    def run() -> int:
        nonlocal requirement_id
        _check_format(fmt, ("text", "json"))
        catalogue = load_catalogue()
        rules, _ = load_rules(catalogue, resources.data_dir("rules") / "checks", list(rules_dirs))
        rule = find_rule(requirement_id, rules)
        if rule is not None:
            return _explain_rule(rule, catalogue, fmt, out)
        requirement_id = resolve_requirement(requirement_id, catalogue, standards)
        requirement = catalogue.requirements[requirement_id]
        deciding = [r for r in rules if requirement_id in r.decides]
        correlations = [{"requirement": other, "title": catalogue.requirements[other].title, "relation": relation}
                        for other, relation in catalogue.correlated(requirement_id)]
        correlations.sort(key=lambda c: requirement_order(c["requirement"]))
        record = catalogue_records([requirement])[0]
        record["correlations"] = correlations
        record["without_counterpart_in"] = catalogue.without_counterpart_in(requirement_id)
        record["rules"] = [{"id": r.id, "name": r.name, "title": r.title, "file": r.source.file} for r in deciding]
        if fmt == "json":
            out.write(json_safe(json.dumps(record, indent=2, ensure_ascii=False)) + "\n")
            return 0
        lines = [f"{requirement.id}  {requirement.title}", "", requirement.summary, ""]
        lines.append(f"harmonized structure: {requirement.hs or 'none (specific to this standard)'}")
        lines.append(f"exclusion: {'possible with a justification' if requirement.excludable else 'never allowed'}")
        if requirement.amendment:
            lines.append(f"amended by: {requirement.amendment}")
        lines.append("documented information: " + ("; ".join(f"{d.subject} ({d.kind})" for d in requirement.documented_information) or "none asked for"))
        related = [f"  {c['relation']:<9} {c['requirement']}  {c['title']}" for c in correlations]
        related += [f"  {'none':<9} without counterpart in {other}" for other in record["without_counterpart_in"]]
        lines += ["", "correlations:"] + (related or ["  none"])
        lines += ["", "decided by:"] + ([f"  {r.id} {r.name}: {r.title} ({r.source.file})" for r in deciding] or ["  no rule yet (not evaluated)"])
        out.write("\n".join(lines) + "\n")
        return 0

    return guarded(run, err)


def _explain_rule(rule: Any, catalogue: Catalogue, fmt: str, out: TextIO) -> int:
    decides = [{"requirement": rid, "title": catalogue.requirements[rid].title} for rid in sorted(rule.decides, key=requirement_order)]
    record = {"rule": rule.id, "name": rule.name, "title": rule.title, "why": " ".join(rule.why.split()),
              "decides": decides, "file": rule.source.file, "custom": rule.custom}
    if fmt == "json":
        out.write(json_safe(json.dumps(record, indent=2, ensure_ascii=False)) + "\n")
        return 0
    lines = [f"{rule.id} {rule.name}  {rule.title}", "", record["why"], "", "decides:"]
    lines += [f"  {d['requirement']}  {d['title']}" for d in decides]
    lines += ["", f"file: {rule.source.file}" + (" (custom rule)" if rule.custom else "")]
    out.write("\n".join(lines) + "\n")
    return 0


COVERAGE_DEFAULT = ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022", "ISO27001:2013")


def coverage_records(catalogue: Catalogue, rules: list[Any], standards: list[str]) -> list[dict[str, Any]]:
    """How each requirement gets a verdict: rules, a person's attestation, its sub-clauses, or nothing.

    A heading such as 9.3 counts as covered through its sub-clauses when every
    one of them is covered; it needs no rule of its own.
    """
    decided: dict[str, list[str]] = {}
    for rule in rules:
        for rid in rule.decides:
            decided.setdefault(rid, []).append(rule.id)

    def covered(requirement: Requirement) -> bool:
        if requirement.id in decided or requirement.attestation:
            return True
        children = catalogue.children(requirement.id)
        return bool(children) and all(covered(child) for child in children)

    records = []
    for standard in standards:
        for requirement in catalogue.of_standard(standard):
            rule_ids = sorted(decided.get(requirement.id, []))
            via = not rule_ids and not requirement.attestation and covered(requirement)
            records.append({"requirement": requirement.id, "standard": standard, "decided_by": rule_ids,
                            "attestation": bool(requirement.attestation) and not rule_ids, "via_subclauses": via,
                            "covered": bool(rule_ids) or bool(requirement.attestation) or via})
    return records


def run_coverage(standards: list[str], rules_dirs: list[Any], fmt: str, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        _check_format(fmt, ("table", "json"))
        check_standard_ids(standards)
        catalogue = load_catalogue()
        rules, _ = load_rules(catalogue, resources.data_dir("rules") / "checks", rules_dirs)
        records = coverage_records(catalogue, rules, standards or list(COVERAGE_DEFAULT))
        if fmt == "json":
            out.write(json_safe(json.dumps(records, indent=2, ensure_ascii=False)) + "\n")
            return 0
        rows = []
        for standard in standards or COVERAGE_DEFAULT:
            mine = [r for r in records if r["standard"] == standard]
            rows.append({"standard": standard, "requirements": len(mine),
                         "rules": sum(1 for r in mine if r["decided_by"]),
                         "attestation": sum(1 for r in mine if r["attestation"]),
                         "sub-clauses": sum(1 for r in mine if r["via_subclauses"]),
                         "nothing": sum(1 for r in mine if not r["covered"])})
        out.write(render_rows(rows, [(k, k) for k in ("standard", "requirements", "rules", "attestation", "sub-clauses", "nothing")], "table"))
        return 0

    return guarded(run, err)
