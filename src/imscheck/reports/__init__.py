"""Reporters: one module per format, each ``render(result) -> str``, chosen by name."""

from __future__ import annotations

import importlib
from typing import Callable

from ..verdicts.decision import Result
from . import json_report


def _lazy(module: str, function: str = "render") -> Callable[[Result], str]:
    """A reporter imported only by the runs that ask for it (junit-xml, the HTML template...)."""
    def render(result: Result) -> str:
        return getattr(importlib.import_module(f".{module}", __name__), function)(result)

    return render


REPORTERS: dict[str, Callable[[Result], str]] = {
    "json": json_report.render,
    "junit": _lazy("junit_report"),
    "html": _lazy("html"),
    "junit-jenkins": _lazy("junit_report", "render_jenkins"),
    "sarif": _lazy("sarif"),
    "codequality": _lazy("codequality"),
    "markdown": _lazy("markdown"),
}
