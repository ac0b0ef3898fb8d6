"""The comparison operators of the rule language: one table, name to function.

Every operator is false when the attribute is missing (``None``), except
``exists: false``; this is also how the durable-rules engine behaves, so both
engines agree. Dates are ``YYYY-MM-DD`` text, so they compare as strings.
"""

from __future__ import annotations

from typing import Any, Callable


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != ""


def _exists(value: Any, operand: Any) -> bool:
    return _present(value) == bool(operand)


def _guard(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def guarded(value: Any, operand: Any) -> bool:
        if value is None or operand is None:
            return False
        try:
            return test(value, operand)
        except TypeError:  # e.g. comparing a number with text: simply not a match
            return False
    return guarded


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": _guard(lambda v, o: v == o and type(v) is type(o)),
    "not_equals": _guard(lambda v, o: not (v == o and type(v) is type(o))),
    "in": _guard(lambda v, o: v in o),
    "not_in": _guard(lambda v, o: v not in o),
    "contains": _guard(lambda v, o: isinstance(v, list) and o in v),
    "not_contains": _guard(lambda v, o: isinstance(v, list) and o not in v),
    "exists": _exists,
    "gte": _guard(lambda v, o: not isinstance(v, (bool, str)) and v >= o),
    "gt": _guard(lambda v, o: not isinstance(v, (bool, str)) and v > o),
    "lte": _guard(lambda v, o: not isinstance(v, (bool, str)) and v <= o),
    "lt": _guard(lambda v, o: not isinstance(v, (bool, str)) and v < o),
    "on_or_after": _guard(lambda v, o: isinstance(v, str) and v >= o),
    "after": _guard(lambda v, o: isinstance(v, str) and v > o),
    "on_or_before": _guard(lambda v, o: isinstance(v, str) and v <= o),
    "before": _guard(lambda v, o: isinstance(v, str) and v < o),
}

DATE_OPERATORS = frozenset({"on_or_after", "after", "on_or_before", "before"})
LIST_OPERANDS = frozenset({"in", "not_in"})  # the operand is a list
