"""The JUnit XML report, valid against the Jenkins schema (``junit-10.xsd``).

junit-xml builds the elements; two of its habits are corrected here because
the schema rejects them: it writes a ``disabled`` attribute on each suite,
and timings, which would also make reports differ between identical runs.
Every failure carries both a message and a body, so junit-xml never drops one,
and GitLab, which shows only the body, sees the summary too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from junit_xml import TestCase, TestSuite

from ..verdicts.decision import MET, NOT_APPLICABLE, UNMET, Result, Verdict


def _case(verdict: Verdict) -> TestCase:
    location = verdict.location
    case = TestCase(name=f"{verdict.requirement} {verdict.title}", classname=verdict.standard,
                    file=location.file if location else None,
                    line=str(location.line) if location else None)
    if verdict.status == UNMET:
        summary = verdict.reasons[0].message if len(verdict.reasons) == 1 else f"{len(verdict.reasons)} problems; first: {verdict.reasons[0].message}"
        body = "\n".join(f"{r.file}:{r.line}: [{r.code}] {r.message}" if r.file else f"[{r.code}] {r.message}" for r in verdict.reasons)
        case.add_failure_info(message=summary, output=body, failure_type="unmet")
    elif verdict.status == NOT_APPLICABLE:
        justification = "; ".join(r.message for r in verdict.reasons)
        case.add_skipped_info(message=f"not applicable: {justification}", output=f"not applicable: {justification}")
    elif verdict.status == MET:
        lines = ["met"]
        if verdict.evidence:
            lines.append("evidence: " + ", ".join(verdict.evidence))
        if verdict.basis:
            lines.append("basis: " + verdict.basis)
        if verdict.shared_with:
            lines.append("shared with: " + ", ".join(verdict.shared_with))
        case.stdout = "\n".join(lines)
    return case


def serialise(suites: list[TestSuite]) -> str:
    """Suites to schema-valid, byte-stable XML."""
    root = ET.Element("testsuites")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        element = suite.build_xml_doc()
        element.attrib.pop("disabled", None)
        element.attrib.pop("time", None)
        root.append(element)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(result: Result) -> str:
    # A note about one standard (e.g. a withdrawn edition) goes once, to that standard's suite.
    return serialise([TestSuite(standard, [_case(v) for v in result.of_standard(standard)],
                                stdout="\n".join(n for n in result.notes if n.startswith(standard + " ")) or None)
                      for standard in result.standards])
