"""What a person types to name a requirement or a rule, and what they mean by it.

``explain`` accepts the full id (``ISO27001:2022/A.5.19``), a short form
(``27001:2022/A.5.19``, ``27001 A.5.19``, ``9001 8.3.2``, ``A.5.19``) and rule
ids (``MR02``) or names (``management-review-inputs``). A short form that
fits several editions is narrowed by the preferred standards (``--standard``,
else the current editions); if it is still ambiguous the error lists the
candidates, never a guess.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..errors import UsageError
from ..knowledge.catalogue import STANDARD_ORDER, Catalogue
from ..knowledge.rulebook import Rule

CURRENT_EDITIONS = ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022")
_SHORT = re.compile(r"^(?:(?:ISO(?:/IEC)?\s*)?(?P<number>\d{4,5}(?:-\d)?)(?::(?P<year>\d{4}))?(?:\s*/\s*|\s+))?(?P<clause>(?:A\.)?\d+(?:\.\d+)*)$",
                    re.IGNORECASE)


def find_rule(text: str, rules: Sequence[Rule]) -> Rule | None:
    wanted = text.strip()
    for rule in rules:
        if wanted.upper() == rule.id.upper() or wanted == rule.name or wanted.upper() in (a.upper() for a in rule.aliases):
            return rule
    return None


def resolve_requirement(text: str, catalogue: Catalogue, preferred: Sequence[str] = ()) -> str:
    """The full requirement id ``text`` names; UsageError naming the candidates otherwise."""
    wanted = text.strip()
    if wanted in catalogue.requirements:
        return wanted
    match = _SHORT.match(wanted)
    if match is None:
        raise UsageError(f"{text} is not a requirement or rule imscheck knows: write e.g. ISO27001:2022/A.5.19, 9001 8.3.2, A.5.19 or MR02 (see 'imscheck catalogue')")
    clause = match["clause"]
    if clause[:2].lower() == "a.":
        clause = "A." + clause[2:]
    candidates = [s for s in STANDARD_ORDER
                  if (match["number"] is None or s.split(":")[0].removeprefix("ISO") == match["number"])
                  and (match["year"] is None or s.endswith(":" + match["year"]))
                  and f"{s}/{clause}" in catalogue.requirements]
    if preferred and match["number"] is None:
        candidates = [s for s in candidates if s in preferred]  # asked for explicitly: no other edition
    if not candidates:
        raise UsageError(f"{text} is not a requirement imscheck knows: no standard has clause {clause}" + (f" in ISO{match['number']}" if match["number"] else "") + (f" among {', '.join(preferred)}" if preferred else "") + ": see 'imscheck catalogue'")
    if len(candidates) > 1:
        narrowed = [s for s in candidates if s in (preferred or CURRENT_EDITIONS)]
        if len(narrowed) == 1:
            candidates = narrowed
    if len(candidates) > 1:
        options = ", ".join(f"{s}/{clause}" for s in candidates)
        raise UsageError(f"{text} is ambiguous: it may be {options}; write the full id or add --standard ID")
    return f"{candidates[0]}/{clause}"
