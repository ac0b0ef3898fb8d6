"""Whether an evidence file is on disk, and whether it holds anything."""

from __future__ import annotations

import stat
from pathlib import Path

from ..containment import Refusal, locate_evidence


def evidence_status(root: Path, relative: str) -> str:
    """present, missing or empty. Loading has already refused paths that leave
    the root or name something other than a file; this looks them up the same
    way (links inside the root followed, names compared in NFC)."""
    try:
        _, info = locate_evidence(str(root), relative)
    except Refusal:
        return "missing"
    if info is None or not stat.S_ISREG(info.st_mode):
        return "missing"
    return "present" if info.st_size > 0 else "empty"
