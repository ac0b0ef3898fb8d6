"""The console summary for a person: the findings first (each cause once, where to fix it, what it
affects), then counts per standard, then what is not applicable."""

from __future__ import annotations

from typing import Callable

from ..text import noun, plural, terminal_safe as safe
from ..evidence.states import UNCOMMITTED
from ..verdicts.decision import MET, NOT_APPLICABLE, WAIVED, Result
from .grouping import groups_above, headline, where

_STYLES = {"red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m", "bold": "\033[1m", "dim": "\033[2m"}
_RESET = "\033[0m"


def render(result: Result, color: bool = False, quiet: bool = False) -> str:
    """``quiet``: warnings and the final line only. Every value that comes from the input (titles,
    file names, messages, notes) goes through ``safe``: a supplier's name must not be able to
    move the cursor or forge a line."""
    def paint(text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    summary = result.summary()
    lines = [paint(f"imscheck: conformity as of {result.as_of.isoformat()}", "bold")]
    if result.evidence_folder is not None:
        lines.append(paint(f"configuration: {safe(result.configuration or 'none')}; evidence root: {safe(result.evidence_folder)}", "dim"))
    lines.append("")
    titles = {v.requirement: v.title for v in result.verdicts}
    if result.findings:
        lines.append(paint(headline(result) + ":", "bold"))
        digits = len(str(len(result.findings)))
        indent = " " * (digits + 4)  # under the text after "  N. "
        for number, finding in enumerate(result.findings, 1):
            lines += ["", f"  {number:>{digits}}. {paint(safe(where(finding)), 'dim')} {paint(safe(finding.code), 'red')}", f"{indent}{safe(finding.message)}",
                      f"{indent}affects {plural(len(finding.requirements), 'requirement')}:"]
            lines += [f"{indent}  {rid} {safe(titles.get(rid, ''))}".rstrip() for rid in finding.requirements]
            above = groups_above(result, finding.requirements)
            if above:
                lines.append(f"{indent}and through {noun(len(finding.requirements), 'it', 'them')} the "
                             f"{noun(len(above), 'heading')} {', '.join(above)}")
        lines.append("")
    width = max((len(s) for s in result.standards), default=8)
    any_waived = any(c["waived"] for c in summary.values())  # the column shows only when a waiver applies
    lines.append(f"{'standard':<{width}}  {'met':>5}  {'unmet':>5}  {'n/a':>5}  {'shared':>6}  {'groups':>6}  {'not evaluated':>13}"
                 + (f"  {'waived':>6}" if any_waived else ""))
    for standard in result.standards:
        c = summary[standard]
        unmet = f"{c['unmet']:>5}"
        lines.append(f"{standard:<{width}}  {c['met']:>5}  {paint(unmet, 'red') if c['unmet'] else unmet}  "
                     f"{c['not_applicable']:>5}  {c['shared']:>6}  {c['groups']:>6}  {c['not_evaluated']:>13}"
                     + (f"  {c['waived']:>6}" if any_waived else ""))
    lines.append(paint("groups: headings that take their status from their sub-clauses; not counted as met, unmet or n/a.", "dim"))
    not_evaluated = sum(c["not_evaluated"] for c in summary.values())
    if not_evaluated:
        lines.append(paint(f"{plural(not_evaluated, 'requirement')} of the claimed standards "
                           "have no rule yet and were not evaluated (listed under 'not_evaluated' in the JSON report).", "dim"))
    unmet = sum(c["unmet"] for c in summary.values())
    excluded = [v for v in result.verdicts if v.status == NOT_APPLICABLE and not v.rolled_up]
    if excluded:
        lines += ["", paint("Not applicable:", "bold")]
        for verdict in excluded:
            lines.append(f"  {paint('N/A', 'yellow')} {verdict.requirement} {safe(verdict.title)}: {safe(verdict.reasons[0].message)}")
    waived = [v for v in result.verdicts if v.status == WAIVED]
    if waived:
        lines += ["", paint(f"{plural(len(waived), 'requirement')} waived (not met; accepted for a time):", "bold")]
        for verdict in waived:
            described = sorted({w.id: w.describe() for _, w in verdict.waived}.items())
            text = "; ".join(d for _, d in described) or verdict.reasons[0].message
            lines.append(f"  {paint('WAIVED', 'yellow')} {verdict.requirement} {safe(verdict.title)}: {safe(text)}")
    lines += _uncommitted(result, paint)
    based = [v for v in result.verdicts if v.status == MET and v.basis]
    if based:
        lines += ["", paint("Met on a basis the rules state:", "bold")]
        for verdict in based:
            lines.append(f"  {paint('MET', 'green')} {verdict.requirement} {safe(verdict.title)}: {safe(verdict.basis)}")
    for note in result.notes:
        lines.append(paint(f"note: {safe(note)}", "yellow"))
    warnings = _warnings(result, paint)
    lines += warnings
    lines += _baseline(result, paint)
    if result.baseline is not None:
        new = len(result.baseline.new)
        verdict_line = (paint("Result: no new findings.", "green") if not new
                        else paint(f"Result: {plural(new, 'new finding')}.", "red"))
    else:
        verdict_line = (paint("Result: every evaluated requirement is met.", "green") if not unmet
                        else paint(f"Result: {plural(unmet, 'requirement')} unmet, from {plural(len(result.findings), 'finding')}.", "red"))
    if quiet:  # warnings still show: they are what --quiet users must not miss
        return "".join(line + "\n" for line in warnings) + verdict_line + "\n"
    lines += ["", verdict_line]
    return "\n".join(lines) + "\n"


MAX_WARNINGS = 50  # on the console; the JSON report lists every one


def _warnings(result: Result, paint: Callable[[str, str], str]) -> list[str]:
    shown = [paint(safe(warning.render()), "yellow") for warning in result.warnings[:MAX_WARNINGS]]
    rest = len(result.warnings) - MAX_WARNINGS
    if rest > 0:
        shown.append(paint(f"... and {plural(rest, 'more warning')} (the JSON report lists them all)", "yellow"))
    return shown


def _uncommitted(result: Result, paint: Callable[[str, str], str]) -> list[str]:
    """Evidence a fresh clone would not have, listed once whatever the requirements it serves."""
    states = [s for _, s in sorted(result.evidence_state.items()) if s.state in UNCOMMITTED]
    if not states:
        return []
    count = len(states)
    them, are = noun(count, "it", "them"), noun(count, "it is", "they are")
    lines = ["", paint(f"{plural(count, 'evidence file')} {noun(count, 'is', 'are')} not committed (a fresh clone of the repository will not have {them} as "
                       f"{are} here; --require-committed counts {them} as missing):", "bold")]
    for state in sorted(states, key=lambda s: (s.path, s.entity)):
        lines.append(f"  {paint(state.state, 'yellow'):<9} {safe(state.path)} ({safe(state.entity)})")
    return lines


def _baseline(result: Result, paint: Callable[[str, str], str]) -> list[str]:
    comparison = result.baseline
    if comparison is None:
        return []
    lines = ["", paint(f"Baseline {safe(comparison.file)}: {len(comparison.new)} new, {len(comparison.accepted)} accepted, "
                       f"{len(comparison.resolved)} resolved", "bold")]
    for finding in comparison.new:
        where = f"{finding.file}:{finding.line}" if finding.file else "(no location)"
        lines.append(f"  {paint('NEW', 'red')} {paint(safe(where), 'dim')} [{safe(finding.code)}] {safe(finding.message)} ({finding.fingerprint})")
    for accepted in comparison.resolved:
        lines.append(f"  {paint('RESOLVED', 'green')} [{safe(accepted.code)}] {safe(accepted.message)} ({safe(accepted.fingerprint)})")
    return lines
