"""Whether an evidence file is on disk, and whether it holds anything."""

from __future__ import annotations

from pathlib import Path


def evidence_status(root: Path, relative: str) -> str:
    """present, missing or empty — the path itself is known to be safe."""
    target = root / relative
    try:
        if not target.is_file():
            return "missing"
        return "present" if target.stat().st_size > 0 else "empty"
    except OSError:
        return "missing"
