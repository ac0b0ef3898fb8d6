"""Things that hold until a date: waivers now, and the horizon for warning before they lapse.

A waiver accepts one finding, or one unmet requirement, for a time. It has an
owner (a role) and an expiry day; on that day it stops waiving. A valid waiver
turns what it covers from unmet into ``waived`` (never met); a waiver that has
expired, or whose owner is no role of the IMS, waives nothing and says so as a
reason on the requirement it was meant to cover (``waiver.expired``,
``waiver.owner-unknown``).

``--warn-within DURATION`` asks which of these lapse soon; :func:`parse_duration`
and :func:`lapsing_soon` are written for any dated item, so reviews and
attestations can use the same horizon.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Iterable

from ..engines.facts import add_months
from ..errors import UsageError
from ..load.ims import Entity, Ims
from .findings import ROLL_UP_CODES, reason_fingerprint

WAIVED = "waived"

_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$")
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # d, w, m, y

    def after(self, day: dt.date) -> dt.date:
        if self.unit == "d":
            return day + dt.timedelta(days=self.amount)
        if self.unit == "w":
            return day + dt.timedelta(weeks=self.amount)
        return add_months(day, self.amount * (12 if self.unit == "y" else 1))

    def __str__(self) -> str:
        return f"{self.amount} {_UNITS[self.unit][:-1] if self.amount == 1 else _UNITS[self.unit]}"


def parse_duration(text: str, option: str = "--warn-within") -> Duration:
    """``30d``, ``8w``, ``3m`` or ``1y``; a UsageError that shows how to write it otherwise."""
    match = _DURATION.match(text or "")
    if not match:
        raise UsageError(f"{option} {text}: not a duration; write a number and a unit: 30d (days), 8w (weeks), 3m (months) or 1y (years)")
    return Duration(int(match.group(1)), match.group(2))


@dataclass(frozen=True)
class Lapsing:
    """A dated item and the day it lapses, for a warning."""

    kind: str  # waiver (later: review, attestation)
    id: str
    lapses: dt.date
    file: str
    line: int
    what: str

    def message(self) -> str:
        return f"{self.file}:{self.line}: {self.kind} {self.id} ({self.what}) lapses on {self.lapses.isoformat()}"


def lapsing_soon(items: Iterable[Lapsing], as_of: dt.date, within: Duration) -> list[Lapsing]:
    """Items still valid on ``as_of`` that lapse before the horizon ends (on it included)."""
    horizon = within.after(as_of)
    return sorted((i for i in items if as_of < i.lapses <= horizon), key=lambda i: (i.lapses, i.kind, i.id))


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
