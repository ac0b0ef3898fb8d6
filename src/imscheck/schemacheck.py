"""JSON Schema validation that reports every problem, located and ranked."""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from . import resources
from .errors import Problem
from .yamlsource import YamlSource


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    schema = resources.schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def schema_problems(source: YamlSource, schema_name: str, data: Any = None, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Every schema violation in ``data`` (default: the whole source) as problems."""
    instance = source.data if data is None else data
    problems: list[Problem] = []
    for error in validator(schema_name).iter_errors(instance):
        problems.extend(_to_problems(source, error, prefix))
    return problems


def _to_problems(source: YamlSource, error: ValidationError, prefix: tuple[Any, ...]) -> list[Problem]:
    if error.context:
        # anyOf/oneOf: the deepest, most relevant branch says what to fix
        error = best_match(error.context)
    path = prefix + tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        problems = []
        for key in sorted(set(error.instance) - set(allowed)):
            hint = difflib.get_close_matches(key, allowed, n=1)
            advice = f"did you mean {hint[0]!r}?" if hint else "allowed here: " + ", ".join(allowed)
            problems.append(source.problem(path + (key,), f"unknown field {key!r}: {advice}", key=True))
        return problems
    return [source.problem(path, _message(error))]


def _message(error: ValidationError) -> str:
    kind = error.validator
    value = error.instance
    if kind == "required":
        return error.message.replace("is a required property", "is required here")
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        hint = difflib.get_close_matches(str(value), [str(v) for v in error.validator_value], n=1)
        return f"{value!r} is not allowed: use one of {allowed}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind in ("pattern", "format") and error.schema.get("format") == "date":
        return f"{value!r} is not a date: write it as YYYY-MM-DD"
    if kind == "pattern":
        described = error.schema.get("description")
        return f"{value!r} is not well formed" + (f": {described}" if described else f" (expected to match {error.validator_value})")
    if kind == "type":
        return f"expected {_a(error.validator_value)}, found {_a(_json_type(value))}"
    if kind == "uniqueItems":
        return "the list repeats an entry: list each one once"
    if kind == "minItems":
        return f"the list needs at least {error.validator_value} entr{'y' if error.validator_value == 1 else 'ies'}"
    if kind == "minLength":
        return "must not be empty"
    return error.message


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_ARTICLES = {"array": "a list", "object": "a mapping", "string": "text", "null": "nothing",
             "boolean": "true or false", "integer": "a whole number", "number": "a number"}


def _a(kind: Any) -> str:
    if isinstance(kind, list):
        return " or ".join(_a(k) for k in kind)
    return _ARTICLES.get(kind, str(kind))
