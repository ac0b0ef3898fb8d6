"""The console summary for a person: the findings first (each cause once, where to fix it, what it
affects), then counts per standard, then what is not applicable."""

from __future__ import annotations

from ..verdicts.decision import NOT_APPLICABLE, UNMET, Result
from .grouping import groups_above, headline, plural, where

_STYLES = {"red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m", "bold": "\033[1m", "dim": "\033[2m"}
_RESET = "\033[0m"


def render(result: Result, color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    summary = result.summary()
    titles = {v.requirement: v.title for v in result.verdicts}
    lines = [paint(f"imscheck: conformity as of {result.as_of.isoformat()}", "bold"), ""]
    if result.findings:
        lines.append(paint(headline(result) + ":", "bold"))
        digits = len(str(len(result.findings)))
        indent = " " * (digits + 4)  # under the text after "  N. "
        for number, finding in enumerate(result.findings, 1):
            lines += ["", f"  {number:>{digits}}. {paint(where(finding), 'dim')} {paint(finding.code, 'red')}", f"{indent}{finding.message}",
                      f"{indent}affects {plural(len(finding.requirements), 'requirement')}:"]
            lines += [f"{indent}  {rid} {titles.get(rid, '')}".rstrip() for rid in finding.requirements]
            above = groups_above(result, finding.requirements)
            if above:
                lines.append(f"{indent}and through {'it' if len(finding.requirements) == 1 else 'them'} the "
                             f"{'heading' if len(above) == 1 else 'headings'} {', '.join(above)}")
        lines.append("")
    width = max((len(s) for s in result.standards), default=8)
    lines.append(f"{'standard':<{width}}  {'met':>5}  {'unmet':>5}  {'n/a':>5}  {'shared':>6}  {'groups':>6}  {'not evaluated':>13}")
    for standard in result.standards:
        c = summary[standard]
        unmet = f"{c['unmet']:>5}"
        lines.append(f"{standard:<{width}}  {c['met']:>5}  {paint(unmet, 'red') if c['unmet'] else unmet}  "
                     f"{c['not_applicable']:>5}  {c['shared']:>6}  {c['groups']:>6}  {c['not_evaluated']:>13}")
    lines.append(paint("groups: headings that take their status from their sub-clauses; not counted as met, unmet or n/a.", "dim"))
    not_evaluated = sum(c["not_evaluated"] for c in summary.values())
    if not_evaluated:
        lines.append(paint(f"{not_evaluated} requirement{'s' if not_evaluated != 1 else ''} of the claimed standards "
                           "have no rule yet and were not evaluated (listed under 'not_evaluated' in the JSON report).", "dim"))
    unmet = sum(c["unmet"] for c in summary.values())
    excluded = [v for v in result.verdicts if v.status == NOT_APPLICABLE and not v.rolled_up]
    if excluded:
        lines += ["", paint("Not applicable:", "bold")]
        for verdict in excluded:
            lines.append(f"  {paint('N/A', 'yellow')} {verdict.requirement} {verdict.title}: {verdict.reasons[0].message}")
    for note in result.notes:
        lines.append(paint(f"note: {note}", "yellow"))
    verdict_line = (paint("Result: every evaluated requirement is met.", "green") if not unmet
                    else paint(f"Result: {plural(unmet, 'requirement')} unmet, from {plural(len(result.findings), 'finding')}.", "red"))
    lines += ["", verdict_line]
    return "\n".join(lines) + "\n"
