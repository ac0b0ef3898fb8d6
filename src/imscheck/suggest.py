"""'Did you mean ...?' in bounded work, however many names and mistakes there are.

difflib compares a word with every candidate; a large IMS with many wrong
references would compare every mistake with every id (1 MB of input took
minutes). A :class:`Suggester` compares a word only with its neighbours in
two sorted orders, of the names and of the names reversed (a typo at the end
of a word keeps it near its intended neighbour in the first order, a typo at
the start in the second), and stops suggesting once it has spent its budget:
the message then just leaves the hint out. Same input, same hints.
"""

from __future__ import annotations

import bisect
import difflib
from typing import Iterable

NEIGHBOURS = 16  # on each side, in each order
BUDGET = 100_000  # comparisons for all the hints of one step (a schema check, a reference check)


class Budget:
    """Comparisons left, shared by the suggesters of one step; counted so tests can keep it linear."""

    def __init__(self, comparisons: int = BUDGET):
        self.left = comparisons
        self.spent = 0


class Suggester:
    def __init__(self, candidates: Iterable[str], budget: Budget | None = None):
        names = sorted(set(candidates))
        self.forward = names
        self.backward = sorted(name[::-1] for name in names)
        self.budget = budget or Budget()

    def closest(self, word: str) -> str | None:
        if not self.forward or self.budget.left <= 0:
            return None
        nearby = set(_around(self.forward, word)) | {name[::-1] for name in _around(self.backward, word[::-1])}
        self.budget.left -= len(nearby)
        self.budget.spent += len(nearby)
        close = difflib.get_close_matches(word, sorted(nearby), n=1)
        return close[0] if close else None


def _around(names: list[str], word: str) -> list[str]:
    at = bisect.bisect_left(names, word)
    return names[max(0, at - NEIGHBOURS): at + NEIGHBOURS]


def closest(word: str, candidates: Iterable[str], budget: Budget | None = None) -> str | None:
    """One suggestion from a small set of names (schema keys, entity types)."""
    return Suggester(candidates, budget).closest(word)
