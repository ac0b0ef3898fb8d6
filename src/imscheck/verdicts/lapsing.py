"""Things that hold until a date: waivers now, and the horizon for warning before they lapse.

A waiver accepts one finding, or one unmet requirement, for a time. It has an
owner (a role) and an expiry day; on that day it stops waiving. A valid waiver
turns what it covers from unmet into ``waived`` (never met); a waiver that has
expired, or whose owner is no role of the IMS, waives nothing and says so as a
reason on the requirement it was meant to cover (``waiver.expired``,
``waiver.owner-unknown``).

``--warn-within DURATION`` asks which dated items lapse soon: waivers, and the
reviews and attestations whose lapse would make a requirement unmet (a lapsed
one already is; this is the warning before it). Warnings never change the exit code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Iterable

from ..errors import Warning
from ..engines.facts import DEFAULT_REVIEW_INTERVAL_MONTHS, add_months
from ..errors import UsageError
from ..load.ims import Entity, Ims
from .findings import ROLL_UP_CODES, reason_fingerprint

WAIVED = "waived"



@dataclass(frozen=True, order=True)
class Duration:
    months: int = 0
    days: int = 0

    def after(self, day: dt.date) -> dt.date:
        return add_months(day, self.months) + dt.timedelta(days=self.days)


_UNITS = {"d": (0, 1), "w": (0, 7), "m": (1, 0), "y": (12, 0)}
_SHORT = re.compile(r"(\d+)\s*([dwmy])", re.IGNORECASE)
_ISO = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.IGNORECASE)


def parse_duration(text: str, option: str = "--warn-within") -> Duration:
    """``30d``, ``8w``, ``3m``, ``1y``, combined as ``1y6m``, or ISO 8601 ``P1Y6M``, ``P30D``."""
    raw = (text or "").strip()
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
    raise UsageError(f"{option} {text}: not a duration; write a number and a unit: 30d (days), 8w (weeks), 3m (months) "
                     f"or 1y (years), combined as 1y6m, or in ISO 8601 as P3M")


@dataclass(frozen=True)
class Lapsing:
    """A dated item and the day it lapses, for a warning."""

    kind: str  # waiver, attestation, management_review, context_review, document_review
    id: str
    lapses: dt.date
    file: str
    line: int
    what: str

    def warning(self) -> Warning:
        return Warning(self.file, self.line, 1, f"{self.kind} {self.id} ({self.what}) lapses on {self.lapses.isoformat()}")


def lapsing_soon(items: Iterable[Lapsing], as_of: dt.date, within: Duration) -> list[Lapsing]:
    """Items still valid on ``as_of`` that lapse before the horizon ends (on it included)."""
    horizon = within.after(as_of)
    return sorted((i for i in items if as_of < i.lapses <= horizon), key=lambda i: (i.lapses, i.kind, i.id))


def record_lapses(ims: Ims, as_of: dt.date, standards: list[str] | None = None) -> list[Lapsing]:
    """When what is current on ``as_of`` lapses: the latest management and context review of each
    management system, the latest attestation of each requirement, and each document's next review."""
    from .decision import DEFAULT_ATTESTATION_MONTHS  # decision imports this module's waivers

    systems = {e.id: e for e in ims.of_type("management_system") if standards is None or e.data["standard"] in standards}
    found: list[Lapsing] = []

    def add(entity: Entity, kind: str, due: dt.date, what: str, attribute: tuple[str, ...]) -> None:
        file, line, _, _ = ims.location(entity.id, attribute)
        found.append(Lapsing(kind, entity.id, due, file, line, what))

    intervals = {"management_review": "management_review_months", "context_review": "context_review_months"}
    for kind, interval in intervals.items():
        for system in systems.values():
            held = [e for e in ims.of_type(kind) if system.id in e.data["management_systems"] and e.data["date"] <= as_of.isoformat()]
            latest = max(held, key=lambda e: (e.data["date"], e.id), default=None)
            if latest is None:
                continue
            months = system.data.get("intervals", {}).get(interval, DEFAULT_REVIEW_INTERVAL_MONTHS)
            due = add_months(dt.date.fromisoformat(latest.data["date"]), months)
            add(latest, kind, due, f"{kind.replace('_', ' ')} for {system.data['standard']}, due every {months} months", ("date",))
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
        add(attestation, "attestation", due, f"of {attestation.data['requirement']}", ("date",))
    for document in ims.of_type("document"):
        last = document.data.get("last_reviewed")
        if last is None or document.data.get("status") == "obsolete":
            continue
        if systems and not set(document.data["management_systems"]) & set(systems):
            continue
        months = document.data.get("review_interval_months", DEFAULT_REVIEW_INTERVAL_MONTHS)
        add(document, "document_review", add_months(dt.date.fromisoformat(last), months), document.data["title"], ("last_reviewed",))
    return found


@dataclass(frozen=True)
class Waiver:
    """What reports show about a waiver that applied."""

    id: str
    justification: str
    owner: str
    approved_by: str
    expires: str

    def describe(self) -> str:
        return f"waived by {self.id} until {self.expires} (owner {self.owner}, approved by {self.approved_by}): {self.justification}"


def waiver_of(entity: Entity) -> Waiver:
    data = entity.data
    return Waiver(entity.id, data["justification"], data["owner"], data["approved_by"], data["expires"])


def waiver_lapses(ims: Ims) -> list[Lapsing]:
    out = []
    for entity in ims.of_type("waiver"):
        file, line, _, _ = ims.location(entity.id, ("expires",))
        target = entity.data.get("requirement") or f"finding {entity.data.get('finding')}"
        out.append(Lapsing("waiver", entity.id, dt.date.fromisoformat(entity.data["expires"]), file, line, target))
    return out


def apply_waivers(verdicts: dict, ims: Ims, as_of: dt.date) -> tuple[dict, list[str]]:
    """Verdicts by requirement id after the IMS's waivers; and notes on waivers that cover nothing.

    Headings are not decided yet: they follow their sub-clauses afterwards.
    """
    from .decision import UNMET, Reason  # decision imports this module's results only through its caller

    out = dict(verdicts)
    notes = []
    claimed = {e.id: e.data["standard"] for e in ims.of_type("management_system")}
    for entity in sorted(ims.of_type("waiver"), key=lambda e: e.id):
        data = entity.data
        standards = {claimed[m] for m in data["management_systems"] if m in claimed}
        fingerprint = data.get("finding")
        if fingerprint is None:
            targets = [data["requirement"]]
        else:
            targets = [rid for rid, v in out.items() if any(reason_fingerprint(r) == fingerprint for r in v.reasons)]
        targets = [rid for rid in targets if rid in out and out[rid].standard in standards and out[rid].status == UNMET]
        owner = ims.by_id.get(data["owner"])
        if owner is None or owner.type != "role":
            problem, attribute = "owner-unknown", ("owner",)
            message = (f"Waiver {entity.id} names owner {data['owner']}, which is no role of the IMS, so it waives nothing: "
                       f"name the role that answers for closing the gap")
        elif data["expires"] <= as_of.isoformat():
            problem, attribute = "expired", ("expires",)
            message = (f"Waiver {entity.id} expired on {data['expires']}, so what it accepted counts again: close the gap, "
                       f"or have a new waiver approved with a new expiry date")
        else:
            problem, attribute, message = None, (), ""
        if not targets:
            what = data.get("requirement") or f"finding {fingerprint}"
            notes.append(f"waiver {entity.id} covers {what}, which is not unmet in the management systems it names: remove the waiver")
            continue
        for rid in targets:
            verdict = out[rid]
            if problem is not None:
                file, line, column, pointer = ims.location(entity.id, attribute)
                reason = Reason(file, line, column, pointer, f"waiver.{problem}", message, entity.id, attribute, rid)
                out[rid] = replace(verdict, reasons=tuple(sorted(set(verdict.reasons) | {reason})))
                continue
            note = waiver_of(entity)
            covered = [r for r in verdict.reasons if fingerprint is None or reason_fingerprint(r) == fingerprint]
            kept = tuple(r for r in verdict.reasons if r not in covered)
            waived = verdict.waived + tuple((r, note) for r in covered)
            status = WAIVED if not [r for r in kept if r.code not in ROLL_UP_CODES] else verdict.status
            out[rid] = replace(verdict, status=status, reasons=kept, waived=waived)
    return out, notes
