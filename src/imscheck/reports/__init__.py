"""Reporters: one module per format, each ``render(result) -> str``."""

from __future__ import annotations

from typing import Callable

from ..verdicts.decision import Result
from . import html, json_report, junit_report

REPORTERS: dict[str, Callable[[Result], str]] = {
    "json": json_report.render,
    "junit": junit_report.render,
    "html": html.render,
}
