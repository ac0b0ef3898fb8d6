"""Writing reports so that a file is either complete or untouched."""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path
from typing import TextIO

from .errors import UsageError

STDOUT = "-"


def check_writable(target: str) -> None:
    """Fail before any work is done if a report could not be written."""
    if target == STDOUT:
        return
    path = Path(target)
    if path.is_dir():
        raise UsageError(f"cannot write report {target}: it is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write report {target}: folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write report {target}: permission denied")


def _umask() -> int:
    """The process umask; reading it means setting it, so it is set back at once."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_report(target: str, text: str, stdout: TextIO) -> None:
    """Write to a temporary file beside the target, then rename it into place.

    A target that exists and is not a regular file (``/dev/null``, a named pipe)
    is written to directly: renaming over it would replace the device itself.
    """
    if target == STDOUT:
        stdout.write(text)
        return
    path = Path(target)
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        # mkstemp makes the file private (0600); a report is made like any other new file
        # (0666 less the umask), or keeps the mode of the report it replaces.
        if hasattr(os, "fchmod"):  # POSIX; elsewhere the platform's default stands
            os.fchmod(handle, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


class Progress:
    """One line on a terminal's standard error, rewritten in place and cleared at the end.

    The CLI asks for it only when standard error is a terminal, so CI logs and
    redirected output never see it.
    """

    def __init__(self, stream: TextIO, interval: float = 0.1):
        self.stream, self.interval = stream, interval
        self.last = 0.0
        self.width = 0

    def show(self, message: str) -> None:
        now = time.monotonic()
        if now - self.last < self.interval and not message.startswith("evaluating"):
            return
        self.last = now
        text = f"imscheck: {message}"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
