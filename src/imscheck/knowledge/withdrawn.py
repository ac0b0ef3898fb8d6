"""Editions that can no longer be certified against, and the note every report carries for them.

The dates are the last day of the accreditation transition to the newer
edition (IAF resolutions); after it, certificates to the old edition are no
longer valid, so a run judged at a later date says so once, whatever it finds.
"""

from __future__ import annotations

import datetime as dt

# standard -> (last day certification to it was possible, the edition that replaced it)
WITHDRAWN: dict[str, tuple[dt.date, str]] = {
    "ISO9001:2008": (dt.date(2018, 9, 14), "ISO9001:2015"),
    "ISO20000-1:2011": (dt.date(2021, 9, 29), "ISO20000-1:2018"),
    "ISO27001:2013": (dt.date(2025, 10, 31), "ISO27001:2022"),
}


def withdrawn_notes(standards: list[str], as_of: dt.date) -> tuple[str, ...]:
    notes = []
    for standard in standards:
        if standard in WITHDRAWN and as_of > WITHDRAWN[standard][0]:
            last, successor = WITHDRAWN[standard]
            notes.append(f"{standard} is withdrawn: certification to it ended after {last.isoformat()}, so it is no longer "
                         f"possible at {as_of.isoformat()}; these verdicts cannot support a certificate; plan the move to {successor}")
    return tuple(notes)
