"""What git knows about each evidence file: its state and the last commit that changed it.

Everything is read in a handful of git processes, whatever the number of
files: ``git ls-files`` (what is tracked), ``git status --porcelain=v2``
(what is modified, added or untracked) and one ``git log --name-status`` walk
over the history (each path's last change, renames followed). Every listing
is NUL-separated, so paths with spaces, quotes or newlines arrive intact.

Git is only read: optional locks are off, so not even the index is refreshed.
Outside a work tree, or without a git binary, :func:`read_work_tree` returns
an unavailable state whose ``note`` says why, once.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable, Mapping

from .files import Locate, evidence_status
from .states import ADDED, COMMITTED, DELETED, IGNORED, MISSING, MODIFIED, UNCOMMITTED, UNTRACKED  # noqa: F401 (named here too)

_HEADER = "\x1e"
_FIELD = "\x1f"
_LOG_FORMAT = f"{_HEADER}%H{_FIELD}%aI{_FIELD}%an"
# Variables that would point git at another repository than the one around the root.
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


class GitError(Exception):
    """git could not answer; the message says why in imscheck's words."""


@dataclass(frozen=True)
class Commit:
    """The last commit that touched a path's content, and how it touched it."""

    id: str
    date: str  # YYYY-MM-DD, the author's day: when the content was written
    author: str
    shallow: bool = False  # at the edge of a shallow clone: the true date may be earlier
    change: str = "modified"  # added (the file arrived, e.g. when the IMS moved into git), modified or deleted
    blob: str = ""  # the file's content after this commit (git's object id), to tell a revert from a change

    @property
    def short(self) -> str:
        return self.id[:12]


@dataclass(frozen=True)
class PathState:
    state: str
    commit: Commit | None  # the last commit that changed the content (or deleted the path)


@dataclass
class GitEvidence:
    """The git view of one IMS root (the work tree, or one revision)."""

    available: bool
    note: str | None = None
    top: Path | None = None
    prefix: str = ""  # the root, relative to the top of the work tree ("" or "sub/dir/")
    revision: str | None = None  # None: the work tree
    head: str | None = None
    branch: str | None = None  # None when HEAD is detached
    shallow: bool = False
    tracked: frozenset[str] = frozenset()
    changed: Mapping[str, str] = field(default_factory=dict)  # top-relative path -> modified/added/deleted
    untracked: frozenset[str] = frozenset()
    history: Mapping[str, tuple[Commit, ...]] = field(default_factory=dict)  # top-relative path -> its changes, newest first

    def state(self, relative: str, on_disk: bool) -> PathState:
        """The state of an evidence path given relative to the IMS root."""
        path = self.prefix + PurePosixPath(relative).as_posix()
        versions = self.history.get(path)
        commit = versions[0] if versions else None
        if self.revision is not None:
            return PathState(COMMITTED if path in self.tracked else MISSING, commit)
        if path in self.changed:
            return PathState(self.changed[path], commit)
        if path in self.tracked:
            return PathState(COMMITTED if on_disk else DELETED, commit)
        if not on_disk:
            return PathState(MISSING, commit)
        return PathState(UNTRACKED if path in self.untracked else IGNORED, None)


    def changed_since(self, relative: str, day: str, until: str | None = None) -> Commit | None:
        """The commit that made the file differ from its content on ``day``, judged as of ``until``; None if it does not.

        The content counts, not the commits: a change that was reverted is no
        change. A file that came into git after ``day`` is taken as it arrived
        (the day an IMS moves into git is not a change of its documents), and a
        date at the edge of a shallow clone tells nothing.
        """
        versions = [c for c in self.history.get(self.prefix + PurePosixPath(relative).as_posix(), ())
                    if until is None or c.date <= until]
        if not versions or versions[0].shallow or versions[0].change == "deleted":
            return None
        current = versions[0]
        then = next((c for c in versions if c.date <= day), versions[-1])
        return current if current.blob != then.blob and current.date > day else None


def unavailable(note: str) -> GitEvidence:
    return GitEvidence(available=False, note=note)


def from_example(entries: Mapping[str, Mapping[str, str]]) -> GitEvidence:
    """The git state a rule example gives: path -> {changed: date, commit: id}; every path committed.

    The file was added long before, and its content changed in the commit given.
    """
    history = {path: (Commit(str(e.get("commit", "0" * 12)), str(e["changed"]), str(e.get("author", "example")), blob="changed"),
                      Commit("0" * 40, "0001-01-01", "example", change="added", blob="first"))
               for path, e in entries.items()}
    return GitEvidence(available=True, tracked=frozenset(history), history=history)


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # never write to the repository, not even an index refresh
    env["LC_ALL"] = "C"
    return env


_GIT = ("git", "--no-optional-locks", "-c", "core.fsmonitor=false")


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run git read-only in ``cwd``; GitError when git is missing or (with ``check``) fails."""
    try:
        done = subprocess.run([*_GIT, *args], cwd=cwd, env=_environment(),
                              stdin=subprocess.DEVNULL, capture_output=True)
    except FileNotFoundError:
        raise GitError("git is not installed (no 'git' on PATH)") from None
    except OSError as error:
        raise GitError(f"git could not be started: {error.strerror}") from None
    if check and done.returncode != 0:
        raise GitError(_first_line(done.stderr) or f"git {args[0]} failed")
    return done


def extract_tree(top: Path, commit: str, folder: Path) -> None:
    """Write a commit's whole tree under ``folder`` from git's objects: no checkout, the work tree untouched.

    The archive is streamed, never held in memory whole. Members that would
    land outside ``folder`` (absolute names, a path through a link) are left
    out, as tarfile's tar filter judges them, so a hostile tree cannot write
    elsewhere; links themselves are kept as committed, so the check of the
    copy refuses a link leaving the repository exactly as ``check`` does in
    the work tree.
    """
    def kept(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.tar_filter(member, path)
        except tarfile.FilterError:
            return None

    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen([*_GIT, "archive", "--format=tar", commit], cwd=top, env=_environment(),
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError:
            raise GitError("git is not installed (no 'git' on PATH)") from None
        except OSError as error:
            raise GitError(f"git could not be started: {error.strerror}") from None
        unreadable = None
        with process:
            assert process.stdout is not None
            try:
                with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                    archive.extractall(folder, filter=kept)
            except tarfile.TarError as error:
                unreadable = error  # git's own failure, when it failed, says more
        if process.returncode != 0:
            errors.seek(0)
            raise GitError(_first_line(errors.read()) or "git archive failed")
        if unreadable is not None:
            raise GitError(f"git archive wrote an archive that cannot be read: {unreadable}")


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip().splitlines()
    line = text[0] if text else ""
    return "".join(c for c in line if c.isprintable())


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def locate(root: Path) -> tuple[Path, str, bool]:
    """(top of the work tree, the root relative to it, shallow?) — GitError outside a work tree."""
    done = git(root, "rev-parse", "--show-toplevel", "--show-prefix", "--is-shallow-repository", check=False)
    if done.returncode != 0:
        reason = _first_line(done.stderr)
        if "not a git repository" in reason.lower():
            raise GitError("the IMS is not inside a git work tree")
        raise GitError(reason or "git rev-parse failed")
    lines = _decode(done.stdout).split("\n")
    if len(lines) < 3 or not lines[0]:
        raise GitError("the IMS is not inside a git work tree (it may be inside a .git folder)")
    return Path(lines[0]), lines[1], lines[2].strip() == "true"


def _shallow_commits(top: Path) -> frozenset[str]:
    path = _decode(git(top, "rev-parse", "--git-path", "shallow").stdout).strip()
    target = Path(path) if os.path.isabs(path) else top / path
    try:
        return frozenset(target.read_text(encoding="ascii").split())
    except OSError:
        return frozenset()


def _head(top: Path, revision: str) -> str | None:
    done = git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
    return _decode(done.stdout).strip() or None


def histories(top: Path, revision: str, prefix: str, shallow: frozenset[str] = frozenset()) -> dict[str, tuple[Commit, ...]]:
    """Each path's changes up to ``revision``, newest first, from one walk of the history.

    A pure rename (similarity 100) is not a change of content: the walk goes on
    under the old name, so a file keeps its history when it is moved. A
    deletion is recorded too, so a path that is gone can say when it went.
    """
    args = ["log", revision, f"--format={_LOG_FORMAT}", "--raw", "--no-abbrev", "-z", "--find-renames", "--no-merges", "--"]
    args.append(prefix or ".")
    raw = git(top, *args).stdout
    return parse_log(raw.split(b"\0"), shallow)


_CHANGES = {"A": "added", "C": "added", "D": "deleted"}


def parse_log(tokens: Iterable[bytes], shallow: frozenset[str] = frozenset()) -> dict[str, tuple[Commit, ...]]:
    """Tokens of ``git log --raw -z``: a header per commit, then per file its raw line and path(s)."""
    found: dict[str, list[Commit]] = {}
    follows: dict[str, str] = {}  # an older name -> the current path it became
    header: tuple[str, str, str, bool] | None = None
    header_mark = _HEADER.encode()
    stream = iter(tokens)
    for token in stream:
        if token[:1] == b"\n":
            token = token.lstrip(b"\n")
        if not token:
            continue
        if token[:1] == header_mark:
            ident, date, author = _decode(token[1:]).split(_FIELD, 2)
            header = (ident, date[:10], author, ident in shallow)
            continue
        # ":old-mode new-mode old-blob new-blob STATUS", then the path (two for renames and copies)
        _, blob, raw_status = token.rsplit(b" ", 2)
        status = raw_status.decode("ascii")
        kind = status[:1]
        path = _decode(next(stream, b""))
        if kind == "R" or kind == "C":
            new = _decode(next(stream, b""))
            current = follows.get(new, new)
            if kind == "R":
                follows[path] = current
                if status == "R100":
                    continue
            path = new
        if header is not None:
            found.setdefault(follows.get(path, path), []).append(Commit(*header, _CHANGES.get(kind, "modified"), blob.decode("ascii")))
    return {path: tuple(versions) for path, versions in found.items()}


def read_work_tree(root: Path) -> GitEvidence:
    """The git state of every file under ``root``; unavailable (with a note) outside git."""
    try:
        top, prefix, shallow = locate(root)
        spec = prefix or "."
        tracked = frozenset(_decode(p) for p in git(top, "ls-files", "-z", "--", spec).stdout.split(b"\0") if p)
        changed, untracked = _status(git(top, "status", "--porcelain=v2", "-z", "--untracked-files=all", "--", spec).stdout)
        head = _head(top, "HEAD")
        branch_done = git(top, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        branch = _decode(branch_done.stdout).strip() or None
        boundary = _shallow_commits(top) if shallow else frozenset()
        history = histories(top, "HEAD", prefix, boundary) if head else {}
    except GitError as error:
        return unavailable(str(error))
    return GitEvidence(True, None, top, prefix, None, head, branch, shallow, tracked, changed, untracked, history)


def read_revision(top: Path, revision: str, commit: str, prefix: str, shallow: bool) -> GitEvidence:
    """The git state of a revision: every tracked file is committed, as it is in that revision."""
    listing = git(top, "ls-tree", "-r", "-z", "--name-only", "--full-tree", commit, "--", prefix or ".").stdout
    tracked = frozenset(_decode(p) for p in listing.split(b"\0") if p)
    boundary = _shallow_commits(top) if shallow else frozenset()
    history = histories(top, commit, prefix, boundary)
    return GitEvidence(True, None, top, prefix, revision, commit, None, shallow, tracked, {}, frozenset(), history)


def _status(raw: bytes) -> tuple[dict[str, str], frozenset[str]]:
    changed: dict[str, str] = {}
    untracked = set()
    tokens = iter(raw.split(b"\0"))
    for token in tokens:
        if not token:
            continue
        kind = token[:1]
        if kind == b"?":
            untracked.add(_decode(token[2:]))
        elif kind in (b"1", b"2", b"u"):
            fields = token.split(b" ", {b"1": 8, b"2": 9, b"u": 10}[kind])
            xy = fields[1].decode("ascii")
            path = _decode(fields[-1])
            if kind == b"2":
                next(tokens, None)  # the name before the rename: gone from the work tree
            if "D" in xy:
                changed[path] = DELETED
            elif xy[0] == "A" or kind == b"2":
                changed[path] = ADDED
            else:
                changed[path] = MODIFIED
    return changed, frozenset(untracked)


@dataclass(frozen=True)
class EvidenceState:
    """One evidence item's file, as git sees it."""

    entity: str
    path: str
    state: str
    commit: Commit | None

    def as_record(self) -> dict[str, object]:
        commit = self.commit
        return {"entity": self.entity, "path": self.path, "state": self.state,
                "commit": commit.id if commit else None, "date": commit.date if commit else None,
                "author": commit.author if commit else None, "shallow": bool(commit and commit.shallow),
                "change": commit.change if commit else None}


def evidence_states(root: Path, documents: Iterable[tuple[str, str]], git: GitEvidence,
                    locate: Locate | None = None) -> dict[str, EvidenceState]:
    """(entity id, evidence path) pairs -> their state; empty when git is unavailable.
    ``locate``: the lookup below ``root`` the facts used (see ``evidence_status``)."""
    if not git.available:
        return {}
    out = {}
    for entity, path in documents:
        # on disk by the same lookup the facts use (links inside the root, names in NFC)
        state = git.state(path, evidence_status(root, path, locate) != "missing")
        out[entity] = EvidenceState(entity, path, state.state, state.commit)
    return out
