"""Writing reports as one set: every file complete, or none touched.

A report path comes from the command line, but the folders on the way may be
links committed in the repository being checked, so a careful writer:

- refuses a report whose folder leads, through a link, outside the working
  folder (when the path given is inside it): ``reports -> /etc`` cannot
  redirect a report;
- replaces a report path that is itself a link with a regular file, instead of
  writing through it (a committed ``out/junit.xml -> /dev/null`` neither
  swallows the report nor hangs on a pipe); a device or pipe named directly on
  the command line (``/dev/null``, ``>(cat)``) is still written into;
- refuses two report options on one file, and a report over an input;
- renders everything first, writes temporaries beside the targets, then
  renames them all into place; on any failure the temporaries are removed and
  earlier reports stay as they were;
- creates files with the mode the umask allows, and names the file in every
  write error.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterable, TextIO

from .containment import display_name, inside, nfc
from .errors import UsageError

STDOUT = "-"


def _parent(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _lstat(target: str) -> os.stat_result | None:
    try:
        return os.lstat(target)
    except OSError:
        return None


def _is_special(info: os.stat_result | None) -> bool:
    """A device or pipe named directly (``info``: its lstat, not through a link): written into, never replaced."""
    if info is None:
        return False
    mode = info.st_mode
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISBLK(mode)


def real_target(target: str) -> str:
    """Where a report lands: the real folder, and the name given (a final link is replaced, not followed)."""
    path = Path(target)
    return os.path.join(os.path.realpath(_parent(path)), path.name)


def check_writable(target: str) -> None:
    """Fail before any work is done if a report could not be written, or should not be."""
    if target == STDOUT:
        return
    shown = display_name(target)
    path = Path(target)
    if _is_special(_lstat(target)):
        return
    if path.is_dir() and not path.is_symlink():
        raise UsageError(f"cannot write report {shown}: it is a folder; give a file name")
    parent = _parent(path)
    if not parent.is_dir():
        raise UsageError(f"cannot write report {shown}: folder {display_name(parent)} does not exist; create it first")
    working = os.getcwd()
    logical = os.path.abspath(parent)
    if inside(working, logical) and not inside(os.path.realpath(working), os.path.realpath(logical)):
        raise UsageError(f"cannot write report {shown}: folder {display_name(parent)} is a symbolic link that leads outside the working folder; "
                         "write the report to a real folder")
    if not os.access(parent, os.W_OK) or (path.exists() and not path.is_symlink() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write report {shown}: permission denied")


def check_targets(targets: dict[str, str], inputs: Iterable[Path] = ()) -> None:
    """Report options (``--json`` -> path) that can all be written, each to its own file, over no input."""
    if list(targets.values()).count(STDOUT) > 1:
        raise UsageError("only one report can go to standard output ('-')")
    seen: dict[str, str] = {}
    for option, target in targets.items():
        if target == STDOUT:
            continue
        check_writable(target)
        where = nfc(real_target(target))  # one file on a normalising file system (macOS)
        if where in seen:
            raise UsageError(f"{seen[where]} and {option} both write to {display_name(target)}: one report would be lost; give each report its own file")
        seen[where] = option
    for folder_or_file in inputs:
        real_input = os.path.realpath(folder_or_file)
        for option, target in targets.items():
            if target == STDOUT:
                continue
            where = real_target(target)
            hit = where == real_input if not os.path.isdir(real_input) else (
                inside(real_input, where) and where.endswith((".yaml", ".yml"))
                and not any(p.startswith(".") for p in Path(os.path.relpath(where, real_input)).parts))
            if hit:
                raise UsageError(f"{option} {display_name(target)}: the report would overwrite (or become) an input of this run; write it elsewhere")


def _umask() -> int:
    """The process umask; reading it means setting it, so it is set back at once."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(info: os.stat_result | None, new: int) -> int:
    """mkstemp makes the file private (0600): a report is made like any other new file
    (0666 less the umask), or keeps the mode of the regular file it replaces (``info``: its lstat)."""
    return stat.S_IMODE(info.st_mode) if info is not None and stat.S_ISREG(info.st_mode) else new


def _reason(error: OSError) -> str:
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


_CHUNK = 1 << 20


def write_reports(reports: list[tuple[str, str]], stdout: TextIO, mode: int | None = None) -> None:
    """Write every (target, text) or none: temporaries first, then one rename each.

    Standard output and devices or pipes named directly cannot be undone, so
    they are written after every temporary exists and before any rename.
    ``mode``: every file gets exactly this mode (default: 0666 less the umask
    for a new file, the mode of the regular file it replaces otherwise).
    """
    fixed = mode
    mode = 0o666 & ~_umask()
    # One lstat per target: whether it is a device or pipe, and the mode of the file it replaces.
    found = {target: _lstat(target) for target, _ in reports if target != STDOUT}
    special = {target for target, info in found.items() if _is_special(info)}
    staged: list[tuple[str, Path]] = []
    try:
        for target, text in reports:
            if target == STDOUT or target in special:
                continue
            path = Path(target)
            try:
                handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=_parent(path))
            except OSError as error:
                raise UsageError(f"cannot write report {display_name(target)}: {_reason(error)}") from None
            staged.append((temporary, path))
            try:
                with os.fdopen(handle, "wb") as stream:
                    if hasattr(os, "fchmod"):  # POSIX; elsewhere the platform's default stands
                        os.fchmod(stream.fileno(), fixed if fixed is not None else _mode_for(found[target], mode))
                    for start in range(0, len(text), _CHUNK):  # never a second copy of a large report in memory
                        stream.write(text[start:start + _CHUNK].encode("utf-8"))
            except OSError as error:
                raise UsageError(f"cannot write report {display_name(target)}: {_reason(error)}") from None
        for target, text in reports:
            if target == STDOUT:
                stdout.write(text)
            elif target in special:
                try:
                    with open(target, "w", encoding="utf-8", newline="\n") as stream:
                        stream.write(text)
                except OSError as error:
                    raise UsageError(f"cannot write report {display_name(target)}: {_reason(error)}") from None
        for temporary, path in staged:
            try:
                os.replace(temporary, path)  # replaces a link at ``path`` itself, never what it points at
            except OSError as error:
                raise UsageError(f"cannot write report {display_name(path)}: {_reason(error)}") from None
        staged.clear()
    finally:
        for temporary, _ in staged:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def write_report(target: str, text: str, stdout: TextIO) -> None:
    """One report: the same guarantees as :func:`write_reports`."""
    write_reports([(target, text)], stdout)


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
