"""Where the bundled rules and schemas are, installed or in a checkout."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """``rules`` or ``schemas``: inside the installed package, else the checkout's top level."""
    for candidate in (_PACKAGE / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"imscheck's {name}/ folder is missing from the installation; reinstall imscheck")


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    with open(data_dir("schemas") / name, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result
