"""Keeping every read and every written example file inside the folder it belongs to.

imscheck runs in CI on repositories nobody vetted, so a repository's content
must not make it read files elsewhere (and print them in messages), hang on a
named pipe, or write where a link points. Every file imscheck reads goes
through :func:`read_regular_file`, every folder it walks through
:func:`walk_files`, every evidence path through :func:`locate_evidence`, and
every example file through :func:`create_file`: one place decides what stays
inside. A refusal is a :class:`Refusal` carrying a message in imscheck's
words; callers turn it into a located problem. Nothing of a refused file's
content is ever read, so no message can quote it.

The threat is a hostile *committed* tree, which cannot change while imscheck
runs; a local process racing imscheck on the same disk is out of scope (see
the README's Safety section).
"""

from __future__ import annotations

import errno
import os
import stat
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAX_FOLDER_DEPTH = 100
# POSIX flags; where a platform lacks them (Windows) the checks on real paths still hold
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


class Refusal(Exception):
    """imscheck will not read or write this path.

    ``kind`` says what is wrong and ``reason`` the detail; the message, in
    imscheck's words, is built from both, so a caller that words it its own way
    reads the kind and the reason, never the text.
    """

    UNREADABLE = "unreadable"  # reason: why the system would not read it ("permission denied")
    LEAVES = "leaves"  # reason: how the path leaves the folder it must stay in, and what to do
    NOT_REGULAR = "not-regular"  # reason: what it is instead ("a named pipe (FIFO)")
    TOO_LARGE = "too-large"  # reason: the size found and the limit
    MISNAMED = "misnamed"  # reason: why an example file's name cannot be laid out

    def __init__(self, kind: str, reason: str):
        self.kind, self.reason = kind, reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.kind == Refusal.UNREADABLE:
            return f"cannot be read: {self.reason}"
        if self.kind == Refusal.NOT_REGULAR:
            return f"is {self.reason}, not a regular file: imscheck reads regular files only"
        return self.reason


def display_name(path: str | Path) -> str:
    """A path as text that can always be printed: bytes that are not UTF-8 become ``\\xNN`` escapes."""
    text = path.as_posix() if isinstance(path, Path) else path
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def shown_path(path: str | Path, base: str | Path | None = None, *, prefix: str = "") -> str:
    """A path as messages and reports show it, printable whatever its bytes.

    Relative to ``base`` (default: the current folder), after ``prefix``, when
    it lies inside; else absolute. The path's own name is tried before where
    its links lead, so a file found through a link keeps the name it was found
    under, and messages do not depend on where imscheck runs.
    """
    folder = Path(os.path.abspath(base if base is not None else os.getcwd()))
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, None):
        try:
            relative = (candidate or Path(os.path.realpath(path))).relative_to(folder)
        except (ValueError, OSError):
            continue
        return prefix + display_name(relative)
    return display_name(absolute)


def nfc(text: str) -> str:
    """Paths are compared in NFC, so an é typed on macOS and on Linux is the same name."""
    return unicodedata.normalize("NFC", text)


def name_problem(relative: str, what: str) -> str | None:
    """Why a path written in a file (evidence, example files) is not a plain relative path, or None."""
    if not relative or not relative.strip():
        return f"{what} is empty: write a path relative to the repository root"
    if "\x00" in relative:
        return f"{what} {relative!r} contains a NUL character"
    if relative.startswith("/") or (len(relative) > 1 and relative[1] == ":"):
        return f"{what} {relative!r} is absolute: write it relative to the repository root"
    if "\\" in relative:
        return f"{what} {relative!r} contains a backslash: separate folders with '/', which works on every platform"
    if ".." in relative.split("/"):
        return f"{what} {relative!r} leaves the repository through '..': keep it inside"
    return None


def inside(folder: str, real: str) -> bool:
    """Whether the real path ``real`` is ``folder`` or below it (both already resolved)."""
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a regular file"


def _os_reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic links form a loop"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.ENOENT:
        return "it does not exist"
    if error.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return (error.strerror or str(error)).lower()


def real_path(path: str | Path) -> str:
    """The path with every link followed; a loop or a dangling link is a :class:`Refusal`."""
    try:
        return os.path.realpath(path, strict=True)
    except OSError as error:
        raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None
    except RuntimeError:  # older Pythons report a link loop this way
        raise Refusal(Refusal.UNREADABLE, "symbolic links form a loop") from None


def real_root(root: str | Path) -> str:
    """A root folder as a real path; the root itself was named by the person running imscheck."""
    return os.path.realpath(root)


def check_inside(path: str | Path, root: str, leaving: str = "is a symbolic link that leaves the repository: copy the file into it") -> str:
    """The real path of ``path``, refused unless it stays inside ``root`` (a real path)."""
    real = real_path(path)
    if not inside(root, real):
        raise Refusal(Refusal.LEAVES, leaving)
    return real


def check_named(path: str | Path) -> str:
    """The real path of a file or folder named on the command line.

    The name itself is trusted, but it may be a link committed in the
    repository (``ims -> /home/runner/.ssh``): a link must stay inside the
    folder that holds it.
    """
    if not os.path.islink(path):
        return os.path.realpath(path)
    holder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    return check_inside(path, holder, "is a symbolic link to a place outside the folder that holds it: name the real folder or file")


def read_regular_file(path: str | Path, root: str, max_bytes: int) -> bytes:
    """The bytes of a regular file whose real path is inside ``root``.

    The real path is opened without following links and without blocking, and
    checked to be a regular file before anything is read: a named pipe or a
    device named ``*.yaml`` neither hangs imscheck nor feeds it endless input.
    """
    real = check_inside(path, root)
    try:
        handle = os.open(real, os.O_RDONLY | _NONBLOCK | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise Refusal(Refusal.NOT_REGULAR, kind_of(info.st_mode))
        if info.st_size > max_bytes:
            raise Refusal(Refusal.TOO_LARGE, f"file is {info.st_size:,} bytes; imscheck reads at most {max_bytes:,} bytes per file: split it into several files in the same folder")
        chunks, total = [], 0
        while True:
            chunk = os.read(handle, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:  # grew while being read
                raise Refusal(Refusal.TOO_LARGE, f"file is more than {max_bytes:,} bytes; imscheck reads at most {max_bytes:,} bytes per file")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None
    finally:
        os.close(handle)


@dataclass(frozen=True)
class Walked:
    """What a folder walk found: the files to read, and the paths it refused (path, why)."""

    files: list[Path]
    refused: list[tuple[Path, str]]


def walk_files(top: Path, root: str, suffixes: tuple[str, ...], skip_hidden: bool = True) -> Walked:
    """Every file under ``top`` whose name ends with one of ``suffixes``, sorted, without recursion.

    A linked sub-folder is followed while it stays inside ``root``; one that
    leaves it, leads back to a folder above it (a loop), or cannot be read is
    refused by name, never skipped in silence. Files named like YAML that are
    not regular files are refused too. Hidden names (``.git``) are skipped:
    they are not part of an IMS or a rule pack.
    """
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []
    # (logical folder, real folders from the top to it, depth)
    stack: list[tuple[Path, tuple[str, ...], int]] = [(top, (real_path(top),), 0)]
    visited: dict[str, Path] = {}  # real folder -> where it was read: links make diamonds, not only loops
    while stack:
        folder, ancestors, depth = stack.pop()
        first = visited.setdefault(ancestors[-1], folder)
        if first != folder:
            shown = display_name(first.relative_to(top)) if first != top else "the top folder"
            refused.append((folder, f"this folder is the same as {shown}, reached through a symbolic link: remove the link so that it is read once"))
            continue
        if depth > MAX_FOLDER_DEPTH:
            refused.append((folder, f"folders are nested more than {MAX_FOLDER_DEPTH} deep: imscheck stops here; flatten the layout"))
            continue
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as error:
            refused.append((folder, f"this folder cannot be read ({_os_reason(error)}): make it readable or move it out of the repository"))
            continue
        below = []
        for entry in listed:
            if skip_hidden and entry.name.startswith("."):
                continue
            path = folder / entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError as error:
                refused.append((path, f"this path cannot be read: {_os_reason(error)}"))
                continue
            if is_link:
                try:
                    real = real_path(path)
                except Refusal as refusal:
                    if entry.name.endswith(suffixes):
                        refused.append((path, f"cannot read the file ({refusal.reason}): check that the link points at a file"))
                    elif _is_loop(path):
                        refused.append((path, "this link is part of a loop of symbolic links: remove it"))
                    continue  # a dangling link that is not YAML is not the walk's business
                if not inside(root, real):
                    if os.path.isdir(real):
                        refused.append((path, "this folder is a symbolic link that leaves the repository: copy its files into the repository"))
                    elif entry.name.endswith(suffixes):
                        refused.append((path, "this file is a symbolic link that leaves the repository: copy the file into it"))
                    continue
                if os.path.isdir(real):
                    if real in ancestors:
                        refused.append((path, "this folder link leads back to a folder above it (a loop): remove the link"))
                    else:
                        below.append((path, ancestors + (real,), depth + 1))
                    continue
            elif is_dir:
                below.append((path, ancestors + (os.path.join(ancestors[-1], entry.name),), depth + 1))
                continue
            if entry.name.endswith(suffixes):
                files.append(path)
        stack.extend(reversed(below))
    files.sort(key=lambda p: p.relative_to(top).as_posix())
    return Walked(files, refused)


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


@lru_cache(maxsize=4096)
def _names_by_nfc(folder: str) -> dict[str, str]:
    try:
        return {nfc(name): name for name in sorted(os.listdir(folder))}
    except OSError:
        return {}


def locate_evidence(root: str, relative: str,
                    folders: dict[tuple[str, str], tuple[str, str, os.stat_result | None]] | None = None) -> tuple[str, os.stat_result | None]:
    """The real path of an evidence file inside ``root`` and its status (None: not there).

    Each component is matched in NFC when the exact name is absent, so a file
    committed on one platform is found on another. A path through a link that
    leaves ``root``, a link loop or an unreadable folder is a :class:`Refusal`.
    ``folders``: a memo of the folders on the way, for one ``root`` and one run
    (thousands of evidence files share a few folders).
    """
    current = root
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    info: os.stat_result | None = None
    last = len(parts) - 1
    for index, part in enumerate(parts):
        memo = folders is not None and index < last
        found = folders.get((current, part)) if memo else None  # type: ignore[union-attr]
        if found is None:
            found = _component(root, current, part)
            if memo:
                folders[(current, part)] = found  # type: ignore[index]
        kind, candidate, info = found
        if kind is _ABSENT:
            return os.path.join(current, *parts[index:]), None
        if kind is _DANGLING:
            return candidate, None
        current = candidate
    if info is not None:
        return current, info
    try:
        return current, os.stat(current)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return current, None
        raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None


_FOUND, _ABSENT, _DANGLING = "found", "absent", "dangling"


def _component(root: str, current: str, part: str) -> tuple[str, str, os.stat_result | None]:
    """One step of :func:`locate_evidence`: (kind, path, status). ``found``: the path below
    ``current`` (a link followed, its status then None); ``absent``: no such name;
    ``dangling``: a link to nothing, named by its own path."""
    candidate = os.path.join(current, part)
    try:
        info: os.stat_result | None = os.lstat(candidate)  # one call per component: a large IMS names thousands of files
    except (FileNotFoundError, NotADirectoryError):
        alias = _names_by_nfc(current).get(nfc(part))
        if alias is None:
            return _ABSENT, candidate, None
        candidate = os.path.join(current, alias)
        try:
            info = os.lstat(candidate)
        except OSError as error:
            raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None
    except OSError as error:
        raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None
    assert info is not None
    if stat.S_ISLNK(info.st_mode):
        try:
            candidate = os.path.realpath(candidate, strict=True)
        except OSError as error:
            if error.errno == errno.ENOENT:
                return _DANGLING, candidate, None
            raise Refusal(Refusal.UNREADABLE, _os_reason(error)) from None
        except RuntimeError:
            raise Refusal(Refusal.UNREADABLE, "symbolic links form a loop") from None
        if not inside(root, candidate):
            raise Refusal(Refusal.LEAVES, "goes through a symbolic link that leaves the repository: copy the file into it")
        info = None
    return _FOUND, candidate, info


def create_file(folder: str, relative: str, text: str) -> None:
    """Write ``text`` at ``relative`` below ``folder``, creating folders, following no link.

    Every component is opened relative to its parent with ``O_NOFOLLOW``, and
    the file is created exclusively: a name that is (or goes through) a link,
    or that clashes with an earlier file (``a`` then ``a/b``), is a :class:`Refusal`.
    """
    problem = name_problem(relative, "example file name")
    if problem:
        raise Refusal(Refusal.MISNAMED, problem)
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts:
        raise Refusal(Refusal.MISNAMED, f"example file name {relative!r} names no file")
    if os.mkdir not in os.supports_dir_fd or os.open not in os.supports_dir_fd:
        _create_by_path(folder, relative, parts, text)
        return
    flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(folder, flags)
    try:
        for part in parts[:-1]:
            try:
                os.mkdir(part, 0o777, dir_fd=handle)
            except FileExistsError:
                pass
            try:
                child = os.open(part, flags, dir_fd=handle)
            except OSError:
                raise Refusal(Refusal.MISNAMED, f"example file {relative!r} needs {part!r} to be a folder, but another example file has that name") from None
            os.close(handle)
            handle = child
        try:
            target = os.open(parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o666, dir_fd=handle)
        except FileExistsError:
            raise Refusal(Refusal.MISNAMED, f"example file {relative!r} clashes with another example file or folder of that name") from None
        with os.fdopen(target, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    finally:
        os.close(handle)


def _create_by_path(folder: str, relative: str, parts: list[str], text: str) -> None:
    """Where folders cannot be opened relative to each other (Windows): check each component for a link."""
    current = folder
    for part in parts[:-1]:
        current = os.path.join(current, part)
        if os.path.islink(current) or (os.path.lexists(current) and not os.path.isdir(current)):
            raise Refusal(Refusal.MISNAMED, f"example file {relative!r} needs {part!r} to be a folder, but another example file has that name")
        os.makedirs(current, exist_ok=True)
    try:
        with open(os.path.join(current, parts[-1]), "x", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except FileExistsError:
        raise Refusal(Refusal.MISNAMED, f"example file {relative!r} clashes with another example file or folder of that name") from None
