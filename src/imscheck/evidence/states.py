"""The states an evidence file can be in, as git sees it (see git.py, which finds them).

Kept apart from git.py so that the facts and the reports can name the states
without importing the git reader: a run with ``--no-git`` never needs it.
"""

from __future__ import annotations

# Only ``committed`` is what a fresh clone sees.
COMMITTED, MODIFIED, ADDED, UNTRACKED, IGNORED, DELETED, MISSING = (
    "committed", "modified", "added", "untracked", "ignored", "deleted", "missing")
UNCOMMITTED = frozenset({MODIFIED, ADDED, UNTRACKED, IGNORED, DELETED})
