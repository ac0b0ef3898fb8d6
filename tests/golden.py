"""The expected reports of the bundled evidence examples (golden files).

Regenerate after a deliberate change, then review the diff like code:

    python -m tests.golden

The test suite renders the same reports and compares them byte for byte.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from imscheck.api import CheckOptions, check_result
from imscheck.reports import REPORTERS

EXAMPLES = Path(__file__).resolve().parents[1] / "evidence-examples"
AS_OF = dt.date(2025, 11, 30)
FILES = {"json": "report.json", "junit": "junit.xml"}


def examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and (p / "ims").is_dir())


def render(example: Path) -> dict[str, str]:
    # Without git: the examples live in imscheck's own repository, whose commits must not change them.
    result = check_result(CheckOptions(path=example, as_of=AS_OF, git=False))
    return {FILES[fmt]: reporter(result) for fmt, reporter in REPORTERS.items()}


def main() -> int:
    for example in examples():
        folder = example / "expected"
        folder.mkdir(exist_ok=True)
        for name, text in render(example).items():
            (folder / name).write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
