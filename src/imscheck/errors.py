"""Located problems, located warnings and the exit-code contract.

A :class:`Problem` is a value that knows where it points: the file, the
1-based line and column, and the JSON pointer inside that file. Problems are
collected, never raised one at a time, so a user sees every mistake at once;
:class:`InputError` carries them to the one boundary that maps them to exit 2.
A :class:`Warning` is located the same way but stops nothing: every command
and report shows warnings as this one type.
"""

from __future__ import annotations

from dataclasses import dataclass

from .text import terminal_safe

EXIT_MET = 0
EXIT_UNMET = 1
EXIT_ERROR = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, and where it is."""

    file: str
    line: int
    column: int
    pointer: str
    message: str

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1:
            raise ValueError(f"lines and columns are 1-based, got {self.line}:{self.column}")

    def render(self) -> str:
        # File names, pointers and messages quote the input: never let them drive a terminal.
        where = f"{terminal_safe(self.file)}:{self.line}:{self.column}"
        return f"{where}: {terminal_safe(self.pointer or '/')}: {terminal_safe(self.message)}"


@dataclass(frozen=True, order=True)
class Warning:  # noqa: A001 - imscheck's located warning; Python's warning category is never used beside it
    """Something worth knowing before an audit that stops nothing, and where it is: never an exit code."""

    file: str
    line: int
    column: int
    message: str

    def __post_init__(self) -> None:
        if self.line < 1 or self.column < 1:
            raise ValueError(f"lines and columns are 1-based, got {self.line}:{self.column}")

    def render(self) -> str:
        return f"{terminal_safe(self.file)}:{self.line}:{self.column}: warning: {terminal_safe(self.message)}"


class InputError(Exception):
    """The input cannot be used; every problem found is attached, sorted."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(set(problems))
        super().__init__("\n".join(p.render() for p in self.problems))


class UsageError(Exception):
    """The command line asks for something that cannot be done (exit 2)."""


def pointer_of(parts: tuple[object, ...] | list[object]) -> str:
    """RFC 6901 pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
