"""A Markdown summary for a CI job page or a merge-request comment.

It leads with the findings, then gives the counts per standard and what is
shared between standards. Lists are capped ("and N more"), and long messages
cut, so the summary stays under 60,000 characters whatever the IMS: below
GitHub's 65,536-character comment limit and far below the 1 MiB of
``$GITHUB_STEP_SUMMARY`` and GitLab's note limit. The JSON, SARIF and Code
Quality reports carry everything.
"""

from __future__ import annotations

from ..verdicts.decision import NOT_APPLICABLE, Result
from ..text import noun, plural
from .grouping import groups_above, headline, listed, where

MAX_FINDINGS = 25
MAX_REQUIREMENTS = 10  # per finding
MAX_SHARED = 40
MAX_SHARED_WITH = 5
MAX_NOT_APPLICABLE = 20
MAX_NOTES = 10
# Characters per table cell, after escaping. With the caps above they bound the
# whole summary below LIMIT (tested on the worst case).
SHORT, MESSAGE, LONG = 120, 300, 400
LIMIT = 60_000

_SPECIAL = "\\`*_[]<>|#~"


def escape(text: str) -> str:
    """Plain text for a table cell: Markdown punctuation escaped, one line."""
    flat = " ".join(text.split())
    return "".join("\\" + c if c in _SPECIAL else c for c in flat)


def cell(text: str, limit: int) -> str:
    """Escaped and cut to ``limit`` characters, never leaving a dangling escape."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + "…"


def render(result: Result) -> str:
    summary = result.summary()
    lines = [f"## imscheck: conformity as of {result.as_of.isoformat()}", "", f"**{cell(headline(result), LONG)}**", ""]
    if result.findings:
        lines += ["### Findings", "", "| # | where to fix | reason code | finding | affects |", "|--:|---|---|---|---|"]
        for number, finding in enumerate(result.findings[:MAX_FINDINGS], 1):
            affects = listed(finding.requirements, MAX_REQUIREMENTS)
            above = groups_above(result, finding.requirements)
            if above:
                affects += f" (and through {noun(len(finding.requirements), 'it', 'them')} {listed(above, MAX_REQUIREMENTS)})"
            message = finding.message if finding.waiver is None else f"(waived by {finding.waiver}) {finding.message}"
            lines.append(f"| {number} | {cell(where(finding), SHORT)} | {cell(finding.code, SHORT)} | "
                         f"{cell(message, MESSAGE)} | {cell(affects, LONG)} |")
        if len(result.findings) > MAX_FINDINGS:
            lines.append(f"\nand {plural(len(result.findings) - MAX_FINDINGS, 'more finding')}: "
                         "see the JSON, SARIF or Code Quality report for all of them.")
        lines.append("")
    lines += ["### Per standard", "", "| standard | met | unmet | not applicable | shared | groups | not evaluated |",
              "|---|--:|--:|--:|--:|--:|--:|"]
    for standard in result.standards:
        c = summary[standard]
        lines.append(f"| {cell(standard, SHORT)} | {c['met']} | {c['unmet']} | {c['not_applicable']} | {c['shared']} | "
                     f"{c['groups']} | {c['not_evaluated']} |")
    lines += ["", "Groups are headings that take their status from their sub-clauses; they are not counted as met, "
              "unmet or not applicable.", ""]
    order = {s: i for i, s in enumerate(result.standards)}
    # Each shared pair once, from the side of the standard listed first.
    shared = [v for v in result.verdicts if v.shared_with and not v.rolled_up
              and all(order.get(o.split("/", 1)[0], 0) > order[v.standard] for o in v.shared_with)]
    if shared:
        lines += ["### Shared between standards", "",
                  f"{plural(len(shared), 'requirement')} met by evidence that also meets a correlated requirement of another standard:",
                  "", "| requirement | shared with | evidence |", "|---|---|---|"]
        for verdict in shared[:MAX_SHARED]:
            lines.append(f"| {cell(verdict.requirement + ' ' + verdict.title, SHORT)} | "
                         f"{cell(listed(verdict.shared_with, MAX_SHARED_WITH), SHORT)} | "
                         f"{cell(listed(verdict.evidence, MAX_SHARED_WITH), SHORT)} |")
        if len(shared) > MAX_SHARED:
            lines.append(f"\nand {len(shared) - MAX_SHARED} more (the JSON report lists every `shared_with`).")
        lines.append("")
    excluded = [v for v in result.verdicts if v.status == NOT_APPLICABLE and not v.rolled_up]
    if excluded:
        lines += ["### Not applicable", ""]
        for verdict in excluded[:MAX_NOT_APPLICABLE]:
            reason = verdict.reasons[0].message if verdict.reasons else ""
            lines.append(f"- {cell(verdict.requirement + ' ' + verdict.title, SHORT)}: {cell(reason, MESSAGE)}")
        if len(excluded) > MAX_NOT_APPLICABLE:
            lines.append(f"- and {len(excluded) - MAX_NOT_APPLICABLE} more")
        lines.append("")
    for note in result.notes[:MAX_NOTES]:
        lines.append(f"> note: {cell(note, MESSAGE)}")
    if result.notes:
        lines.append("")
    unmet = sum(c["unmet"] for c in summary.values())
    lines.append("**Result: every evaluated requirement is met.**" if not unmet else
                 f"**Result: {plural(unmet, 'requirement')} unmet, from {plural(len(result.findings), 'finding')}.**")
    return "\n".join(lines) + "\n"
