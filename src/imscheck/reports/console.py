"""The console summary for a person: counts per standard, then what to fix, where."""

from __future__ import annotations

from ..verdicts.decision import MET, NOT_APPLICABLE, UNMET, Result

_STYLES = {"red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m", "bold": "\033[1m", "dim": "\033[2m"}
_RESET = "\033[0m"


def render(result: Result, color: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    summary = result.summary()
    lines = [paint(f"imscheck: conformity as of {result.as_of.isoformat()}", "bold"), ""]
    width = max((len(s) for s in result.standards), default=8)
    lines.append(f"{'standard':<{width}}  {'met':>5}  {'unmet':>5}  {'n/a':>5}  {'shared':>6}  {'not evaluated':>13}")
    for standard in result.standards:
        c = summary[standard]
        unmet = f"{c['unmet']:>5}"
        lines.append(f"{standard:<{width}}  {c['met']:>5}  {paint(unmet, 'red') if c['unmet'] else unmet}  "
                     f"{c['not_applicable']:>5}  {c['shared']:>6}  {c['not_evaluated']:>13}")
    not_evaluated = sum(c["not_evaluated"] for c in summary.values())
    if not_evaluated:
        lines.append(paint(f"{not_evaluated} requirement{'s' if not_evaluated != 1 else ''} of the claimed standards "
                           "have no rule yet and were not evaluated (listed under 'not_evaluated' in the JSON report).", "dim"))
    unmet = [v for v in result.verdicts if v.status == UNMET]
    if unmet:
        lines += ["", paint(f"{len(unmet)} requirement{'s' if len(unmet) != 1 else ''} unmet:", "bold")]
        for verdict in unmet:
            lines.append(f"  {paint('UNMET', 'red')} {verdict.requirement} {verdict.title}")
            for reason in verdict.reasons:
                where = f"{reason.file}:{reason.line}" if reason.file else "(no location)"
                lines.append(f"      {paint(where, 'dim')} [{reason.code}] {reason.message}")
    excluded = [v for v in result.verdicts if v.status == NOT_APPLICABLE]
    if excluded:
        lines += ["", paint("Not applicable:", "bold")]
        for verdict in excluded:
            lines.append(f"  {paint('N/A', 'yellow')} {verdict.requirement} {verdict.title}: {verdict.reasons[0].message}")
    based = [v for v in result.verdicts if v.status == MET and v.basis]
    if based:
        lines += ["", paint("Met on a basis the rules state:", "bold")]
        for verdict in based:
            lines.append(f"  {paint('MET', 'green')} {verdict.requirement} {verdict.title}: {verdict.basis}")
    for note in result.notes:
        lines.append(paint(f"note: {note}", "yellow"))
    verdict_line = (paint("Result: every evaluated requirement is met.", "green") if not unmet
                    else paint(f"Result: {len(unmet)} unmet.", "red"))
    lines += ["", verdict_line]
    return "\n".join(lines) + "\n"
