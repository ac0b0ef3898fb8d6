"""Reporters: one module per format, each ``render(result) -> str``, chosen by name."""

from __future__ import annotations

from typing import Callable

from ..verdicts.decision import Result
from . import codequality, html, json_report, junit_report, markdown, sarif

REPORTERS: dict[str, Callable[[Result], str]] = {
    "json": json_report.render,
    "junit": junit_report.render,
    "html": html.render,
    "junit-jenkins": junit_report.render_jenkins,
    "sarif": sarif.render,
    "codequality": codequality.render,
    "markdown": markdown.render,
}
