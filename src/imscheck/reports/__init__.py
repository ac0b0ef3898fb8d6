"""Reporters: one module per format, each ``render(result) -> str``."""

from __future__ import annotations

from typing import Callable

from ..verdicts.decision import Result
from . import json_report


def _junit(result: Result) -> str:
    # junit-xml and ElementTree are imported only by the runs that ask for this report.
    from . import junit_report

    return junit_report.render(result)


REPORTERS: dict[str, Callable[[Result], str]] = {
    "json": json_report.render,
    "junit": _junit,
}
