"""Helpers shared by the report tests: the bundled examples' results and reports."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from imscheck.api import CheckOptions, check_result
from imscheck.verdicts.decision import Result

from .conftest import SHARED
from .golden import AS_OF, EXAMPLES

EXAMPLE_NAMES = ["fjord-accounting", "northwind-services"]
REFERENCE = SHARED / "reference"


@functools.lru_cache(maxsize=None)
def example_result(name: str) -> Result:
    return check_result(CheckOptions(path=EXAMPLES / name, as_of=AS_OF))


def golden(name: str, file: str) -> str:
    return (EXAMPLES / name / "expected" / file).read_text(encoding="utf-8")


def golden_json(name: str, file: str):
    return json.loads(golden(name, file))


def reference(name: str) -> Path:
    import pytest

    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"{path} is missing; CI provides ../shared beside the checkout")
    return path
