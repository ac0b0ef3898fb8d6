"""How every report counts: findings, requirements they affect, and roll-up groups.

One cause is one finding however many requirements it leaves unmet. A heading
that no rule decides takes its status from its sub-clauses (a roll-up): it is
shown as a group above them, never counted as one more unmet requirement or
one more failed test. Every report uses these helpers so their counts agree.
"""

from __future__ import annotations

from ..text import plural
from ..verdicts.decision import UNMET, Result, Verdict
from ..verdicts.findings import Finding


def unmet_groups(result: Result) -> list[Verdict]:
    return [v for v in result.verdicts if v.rolled_up and v.status == UNMET]


def groups_above(result: Result, requirements: tuple[str, ...]) -> tuple[str, ...]:
    """The unmet roll-up headings above these requirements, in report order."""
    return tuple(v.requirement for v in unmet_groups(result)
                 if any(r.startswith(v.requirement + ".") for r in requirements))


def affected(result: Result) -> tuple[list[str], list[str]]:
    """Requirements the findings affect (roll-ups excluded) and their standards, in report order."""
    mine = {r for f in result.findings for r in f.requirements}
    requirements = [v.requirement for v in result.verdicts if v.requirement in mine]
    standards = [s for s in result.standards if any(r.startswith(s + "/") for r in requirements)]
    return requirements, standards


def headline(result: Result) -> str:
    """'3 findings affecting 6 requirements in 3 standards', with the groups above them."""
    requirements, standards = affected(result)
    if not result.findings:
        return "No findings: every evaluated requirement is met."
    text = (f"{plural(len(result.findings), 'finding')} affecting {plural(len(requirements), 'requirement')} "
            f"in {plural(len(standards), 'standard')}")
    groups = unmet_groups(result)
    if groups:
        text += f" (and {plural(len(groups), 'heading')} above them, unmet through their sub-clauses)"
    return text


def where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}:{finding.column}" if finding.file else "(no location)"


def listed(items: tuple[str, ...] | list[str], cap: int) -> str:
    """'a, b, c and 4 more'"""
    shown = ", ".join(items[:cap])
    return shown + (f" and {len(items) - cap} more" if len(items) > cap else "")


def with_affected(finding: Finding, cap: int) -> str:
    """The finding's message followed by the requirements it affects, for formats with one text field."""
    message = finding.message.rstrip()
    if message and message[-1] not in ".!?":
        message += "."
    return f"{message} Affects {plural(len(finding.requirements), 'requirement')}: {listed(finding.requirements, cap)}."
