"""The expected reports of the bundled evidence examples (golden files).

Regenerate after a deliberate change, then review the diff like code:

    python -m tests.golden

It also writes the snapshot of imscheck's own rule files (rules/bundled.json),
which must follow every change to them.

The test suite renders the same reports and compares them byte for byte.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from imscheck.api import CheckOptions, check_ims
from imscheck.commands import evidence_matrix, soa
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.reports import REPORTERS, console

EXAMPLES = Path(__file__).resolve().parents[1] / "evidence-examples"
AS_OF = dt.date(2025, 11, 30)
FILES = {"json": "report.json", "junit": "junit.xml", "junit-jenkins": "junit-jenkins.xml", "sarif": "report.sarif",
         "codequality": "codequality.json", "markdown": "summary.md", "html": "report.html", "console": "console.txt"}
# The auditor's documents: imscheck soa and imscheck evidence-matrix, each format.
SOA_FILES = {"markdown": "soa.md", "csv": "soa.csv", "html": "soa.html"}
MATRIX_FILES = {"markdown": "evidence-matrix.md", "csv": "evidence-matrix.csv", "json": "evidence-matrix.json"}


def examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and (p / "ims").is_dir())


def render(example: Path) -> dict[str, str]:
    # Without git: the examples live in imscheck's own repository, whose commits must not change them.
    ims, result = check_ims(CheckOptions(path=example, as_of=AS_OF, git=False))
    files = {FILES[fmt]: reporter(result) for fmt, reporter in REPORTERS.items()}
    files[FILES["console"]] = console.render(result)  # what a person sees, findings first
    files.update({SOA_FILES[fmt]: renderer(result) for fmt, renderer in soa.RENDERERS.items()})
    matrix = evidence_matrix.build(ims, result, load_catalogue())
    files.update({MATRIX_FILES[fmt]: renderer(matrix) for fmt, renderer in evidence_matrix.RENDERERS.items()})
    return files


def main() -> int:
    from imscheck import resources
    from imscheck.knowledge import bundled

    # The snapshot of imscheck's own rule files, which the examples are checked with.
    snapshot = resources.data_dir("rules") / bundled.SNAPSHOT
    snapshot.write_text(bundled.render_snapshot(), encoding="utf-8", newline="\n")
    print(f"wrote {snapshot}")
    bundled._snapshot.cache_clear()
    for example in examples():
        folder = example / "expected"
        folder.mkdir(exist_ok=True)
        for name, text in render(example).items():
            (folder / name).write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
