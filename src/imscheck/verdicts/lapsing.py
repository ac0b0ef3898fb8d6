"""What is still current today but lapses soon: the ``--warn-within DURATION`` list.

A lapsed review or attestation is already an unmet requirement; this list is
the warning before that: management and context reviews that fall due, the
latest attestation of each requirement, and documents whose review falls due,
within the given time after the as-of day. Warnings never change the exit code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..engines.facts import DEFAULT_REVIEW_INTERVAL_MONTHS, add_months
from ..errors import UsageError
from ..load.ims import Entity, Ims
from .decision import DEFAULT_ATTESTATION_MONTHS


@dataclass(frozen=True, order=True)
class Duration:
    months: int = 0
    days: int = 0

    def after(self, day: dt.date) -> dt.date:
        return add_months(day, self.months) + dt.timedelta(days=self.days)


_UNITS = {"d": (0, 1), "w": (0, 7), "m": (1, 0), "y": (12, 0)}
_SHORT = re.compile(r"(\d+)\s*([dwmy])", re.IGNORECASE)
_ISO = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.IGNORECASE)


def parse_duration(text: str) -> Duration:
    """``90d``, ``6w``, ``3m``, ``1y``, ``1y6m`` or ISO 8601 ``P1Y6M``, ``P30D``."""
    raw = text.strip()
    iso = _ISO.fullmatch(raw)
    if iso and raw.upper() != "P":
        years, months, weeks, days = (int(g) if g else 0 for g in iso.groups())
        return Duration(12 * years + months, 7 * weeks + days)
    if raw and re.fullmatch(r"(?:\d+\s*[dwmyDWMY]\s*)+", raw):
        months = days = 0
        for number, unit in _SHORT.findall(raw):
            m, d = _UNITS[unit.lower()]
            months, days = months + int(number) * m, days + int(number) * d
        return Duration(months, days)
    raise UsageError(f"--warn-within {text}: not a duration; write e.g. 90d, 6w, 3m, 1y or P3M")


@dataclass(frozen=True, order=True)
class Lapse:
    due: dt.date
    kind: str
    entity: str
    file: str
    line: int
    what: str

    def render(self) -> str:
        return f"{self.file}:{self.line}: warning: {self.what} on {self.due.isoformat()}"


def lapsing(ims: Ims, as_of: dt.date, within: Duration, standards: list[str] | None = None) -> list[Lapse]:
    """Everything current on ``as_of`` that lapses on or before ``as_of + within``, soonest first."""
    horizon = within.after(as_of)
    systems = {e.id: e for e in ims.of_type("management_system")
               if standards is None or e.data["standard"] in standards}
    found: list[Lapse] = []

    def add(entity: Entity, kind: str, due: dt.date, what: str, attribute: tuple[str, ...]) -> None:
        if as_of < due <= horizon:
            file, line, _, _ = ims.location(entity.id, attribute)
            found.append(Lapse(due, kind, entity.id, file, line, what))

    intervals = {"management_review": "management_review_months", "context_review": "context_review_months"}
    for kind, interval in intervals.items():
        for system in systems.values():
            held = [e for e in ims.of_type(kind) if system.id in e.data["management_systems"] and e.data["date"] <= as_of.isoformat()]
            latest = max(held, key=lambda e: (e.data["date"], e.id), default=None)
            if latest is None:
                continue
            months = system.data.get("intervals", {}).get(interval, DEFAULT_REVIEW_INTERVAL_MONTHS)
            due = add_months(dt.date.fromisoformat(latest.data["date"]), months)
            add(latest, kind, due, f"the {kind.replace('_', ' ')} {latest.id} for {system.data['standard']} falls due (every {months} months)", ("date",))
    latest_attestation: dict[tuple[str, str], Entity] = {}
    for attestation in ims.of_type("attestation"):
        if attestation.data["date"] > as_of.isoformat():
            continue
        for system in attestation.data["management_systems"]:
            if system in systems:
                key = (attestation.data["requirement"], system)
                earlier = latest_attestation.get(key)
                if earlier is None or (attestation.data["date"], attestation.id) > (earlier.data["date"], earlier.id):
                    latest_attestation[key] = attestation
    for attestation in sorted({e.id: e for e in latest_attestation.values()}.values(), key=lambda e: e.id):
        due = add_months(dt.date.fromisoformat(attestation.data["date"]), attestation.data.get("valid_months", DEFAULT_ATTESTATION_MONTHS))
        add(attestation, "attestation", due, f"the attestation {attestation.id} of {attestation.data['requirement']} lapses", ("date",))
    for document in ims.of_type("document"):
        last = document.data.get("last_reviewed")
        if last is None or document.data.get("status") == "obsolete":
            continue
        if systems and not set(document.data["management_systems"]) & set(systems):
            continue
        months = document.data.get("review_interval_months", DEFAULT_REVIEW_INTERVAL_MONTHS)
        add(document, "document_review", add_months(dt.date.fromisoformat(last), months),
            f"the review of document {document.id} ({document.data['title']}) falls due", ("last_reviewed",))
    return sorted(found)
