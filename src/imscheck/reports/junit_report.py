"""The JUnit XML report, valid against the Jenkins schema (``junit-10.xsd``).

junit-xml builds the elements; two of its habits are corrected here because
the schema rejects them: it writes a ``disabled`` attribute on each suite,
and timings, which would also make reports differ between identical runs.
Every failure carries both a message and a body, so junit-xml never drops one,
and GitLab, which shows only the body, sees the summary too.

Two flavours: ``gitlab`` (the default) keeps the de-facto ``file`` and ``line``
testcase attributes GitLab links to; ``jenkins`` leaves them out and validates
against the Jenkins schema as written. Headings that only roll up their
sub-clauses are groups: each is still a testcase (one per requirement, as the
JSON results), but skipped with "group: ... through its sub-clauses", so a missing
review fails the sub-clauses it affects, not every heading above them as well.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from junit_xml import TestCase, TestSuite

from ..text import xml_safe
from ..verdicts.decision import MET, NOT_APPLICABLE, STATUS_LABELS, UNMET, WAIVED, Result, Verdict


def _group(verdict: Verdict) -> TestCase:
    """A heading that takes its status from its sub-clauses: still one testcase per requirement,
    but skipped, so that a cause fails the sub-clauses it affects and nothing above them."""
    case = TestCase(name=f"{verdict.requirement} {verdict.title}", classname=verdict.standard)
    text = f"group: {STATUS_LABELS[verdict.status]} through its sub-clauses"
    if verdict.status in (UNMET, WAIVED) and verdict.reasons:
        text += f" ({verdict.reasons[0].message})"
    case.add_skipped_info(message=text, output=text)
    return case


def _case(verdict: Verdict, flavour: str) -> TestCase:
    if verdict.rolled_up:
        return _group(verdict)
    location = verdict.location if flavour == "gitlab" else None
    case = TestCase(name=f"{verdict.requirement} {verdict.title}", classname=verdict.standard,
                    file=location.file if location else None,
                    line=str(location.line) if location else None)
    if verdict.status == UNMET:
        summary = verdict.reasons[0].message if len(verdict.reasons) == 1 else f"{verdict.problem_count} problems; first: {verdict.reasons[0].message}"
        body = "\n".join(f"{r.file}:{r.line}: [{r.code}] {r.message}" if r.file else f"[{r.code}] {r.message}" for r in verdict.reasons)
        case.add_failure_info(message=summary, output=body, failure_type="unmet")
    elif verdict.status == NOT_APPLICABLE:
        justification = "; ".join(r.message for r in verdict.reasons)
        case.add_skipped_info(message=f"not applicable: {justification}", output=f"not applicable: {justification}")
    elif verdict.status == WAIVED:
        waivers = {w.id: w for _, w in verdict.waived}
        text = "; ".join(w.describe() for _, w in sorted(waivers.items())) or "; ".join(r.message for r in verdict.reasons)
        case.add_skipped_info(message=f"waived: {text}", output=f"waived: {text}")
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
    _make_safe(root)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _make_safe(root: ET.Element) -> None:
    """Escape, in every text and attribute, what XML 1.0 forbids (names and messages quote the input)."""
    for element in root.iter():
        if element.text:
            element.text = xml_safe(element.text)
        if element.tail:
            element.tail = xml_safe(element.tail)
        for key, value in element.attrib.items():
            element.set(key, xml_safe(value))


def render_flavour(result: Result, flavour: str) -> str:
    # A note about one standard (e.g. a withdrawn edition) goes once, to that standard's suite.
    return serialise([TestSuite(standard, [_case(v, flavour) for v in result.of_standard(standard)],
                                stdout="\n".join(n for n in result.notes if n.startswith(standard + " ")) or None)
                      for standard in result.standards])


def render(result: Result) -> str:
    """The default (GitLab) flavour."""
    return render_flavour(result, "gitlab")


def render_jenkins(result: Result) -> str:
    return render_flavour(result, "jenkins")


def render_error(problems: list[str]) -> str:
    """A run that stopped on an error (exit 2): one errored test naming the problems, so CI shows why."""
    count = len(problems)
    summary = (problems[0] if count == 1 else f"{count} problems; first: {problems[0]}") if problems else "the check could not run"
    case = TestCase(name="imscheck check", classname="imscheck")
    case.add_error_info(message=f"nothing was checked: {summary}", output="\n".join(problems) or summary, error_type="input")
    return serialise([TestSuite("imscheck", [case])])
