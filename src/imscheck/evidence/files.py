"""Whether an evidence file is on disk, and whether it holds anything."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

from ..containment import Refusal, locate_evidence


Locate = Callable[[str], "tuple[str, os.stat_result | None]"]


def evidence_status(root: Path, relative: str, locate: Locate | None = None) -> str:
    """present, missing or empty. Loading has already refused paths that leave
    the root or name something other than a file; this looks them up the same
    way (links inside the root followed, names compared in NFC). ``locate``: the
    lookup below ``root`` to use (the IMS's, which asks the disk once per path)."""
    try:
        _, info = locate(relative) if locate is not None else locate_evidence(str(root), relative)
    except Refusal:
        return "missing"
    if info is None or not stat.S_ISREG(info.st_mode):
        return "missing"
    return "present" if info.st_size > 0 else "empty"
