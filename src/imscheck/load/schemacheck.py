"""JSON Schema validation that reports every problem, located and ranked."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .. import resources
from ..errors import Problem
from .yaml11 import quote_advice
from ..suggest import Budget, closest
from . import parsecache
from .yamlsource import YamlSource

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    """jsonschema, which explains what is wrong; imported only when something is (a fifth of start-up otherwise)."""
    from jsonschema import Draft202012Validator, FormatChecker

    schema = resources.schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(inline_refs(schema, schema.get("$defs", {})), format_checker=FormatChecker())


def inline_refs(node: Any, defs: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Replace local ``#/$defs/x`` references by their target.

    Resolving a reference costs jsonschema a registry lookup on every instance
    node; our schemas are not recursive, so inlining them once makes validating
    a large IMS several times faster with identical results. A recursive
    reference is left as it is.
    """
    if isinstance(node, list):
        return [inline_refs(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen and len(node) == 1 + sum(1 for k in node if k != "$ref" and k.startswith(("description", "x-"))):
        target = inline_refs(defs[ref.rsplit("/", 1)[-1]], defs, seen + (ref,))
        extras = {k: v for k, v in node.items() if k != "$ref"}
        return {**target, **extras} if extras else target
    return {key: (value if key == "$defs" else inline_refs(value, defs, seen)) for key, value in node.items()}


def _is_date(value: object) -> bool:
    """The same test jsonschema's FormatChecker applies to ``format: date``."""
    if not isinstance(value, str):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=None)
def quick_check(name: str) -> Callable[[Any], Any] | None:
    """A compiled validity test for the common case: a valid file.

    fastjsonschema turns the schema into Python code that answers "valid or
    not" about ten times faster than jsonschema walks it; jsonschema then
    explains any invalid file in full. Both engines agree on validity (a
    property test checks it), so the fast path changes speed, not results.
    """
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - a declared dependency; the slow path still works
        return None
    schema = dict(inline_refs(resources.schema(name), resources.schema(name).get("$defs", {})))
    schema.pop("$defs", None)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"  # the same keywords, after inlining
    try:
        # Without detailed exceptions the generated code is a third of the size and
        # compiles three times faster (this is most of a small run's start-up); the
        # answer "valid or not" is the same, and jsonschema explains any failure.
        return fastjsonschema.compile(const_as_enum(schema), formats={"date": _is_date},  # type: ignore[no-any-return]
                                      detailed_exceptions=False)
    except Exception:  # pragma: no cover - a schema it cannot compile just takes the slow path
        return None


# Keywords whose value is a map from names (not keywords) to subschemas.
_NAMED_SUBSCHEMAS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keywords whose value is data, never a subschema.
_DATA_KEYWORDS = ("const", "enum", "default", "examples", "required", "type", "pattern", "format")


def const_as_enum(node: Any) -> Any:
    """The same schema with every ``const: x`` written ``enum: [x]``, which means the same.

    fastjsonschema (2.22) cannot generate ``const`` without detailed exceptions:
    its message template needs a value that mode leaves out. Only text and null
    are rewritten: its ``enum`` compares with Python's ``in``, where 1 equals true.
    """
    if isinstance(node, list):
        return [const_as_enum(item) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "const" and "enum" not in node and (value is None or isinstance(value, str)):
            result["enum"] = [value]
        elif key in _NAMED_SUBSCHEMAS and isinstance(value, dict):
            result[key] = {name: const_as_enum(sub) for name, sub in value.items()}
        elif key in _DATA_KEYWORDS:
            result[key] = value
        else:
            result[key] = const_as_enum(value)
    return result


def is_valid(instance: Any, schema_name: str) -> bool:
    check = quick_check(schema_name)
    if check is None:
        return bool(validator(schema_name).is_valid(instance))
    try:
        check(instance)
    except Exception:  # JsonSchemaValueException, or anything odd: let jsonschema decide and explain
        return False
    return True


def schema_problems(source: YamlSource, schema_name: str, data: Any = None, prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Every schema violation in ``data`` (default: the whole source) as problems."""
    instance = source.data if data is None else data
    whole = data is None and source.cache_key is not None
    if whole and parsecache.known_valid(source.cache_key, schema_name):
        return []  # this very file was valid against this schema before
    if is_valid(instance, schema_name):
        if whole:
            parsecache.mark_valid(source.cache_key, schema_name)
        return []
    problems: list[Problem] = []
    budget = Budget()  # hints for every problem of the file, in bounded work
    for error in validator(schema_name).iter_errors(instance):
        problems.extend(_to_problems(source, error, prefix, budget))
    return problems


def _to_problems(source: YamlSource, error: ValidationError, prefix: tuple[Any, ...], budget: Budget) -> list[Problem]:
    from jsonschema.exceptions import best_match

    if error.context:
        # anyOf/oneOf: the deepest, most relevant branch says what to fix
        error = best_match(error.context)
    path = prefix + tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        problems = []
        for key in sorted(set(error.instance) - set(allowed)):
            hint = closest(key, allowed, budget)
            advice = f"did you mean {hint!r}?" if hint else "allowed here: " + ", ".join(allowed)
            problems.append(source.problem(path + (key,), f"unknown field {key!r}: {advice}", key=True))
        return problems
    if error.validator == "type" and "string" in (error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]):
        advice = quote_advice(source.node_at(path), error.instance)
        if advice:
            return [source.problem(path, f"{_message(error, budget)}: {advice}")]
    return [source.problem(path, _message(error, budget))]


def _message(error: ValidationError, budget: Budget) -> str:
    kind = error.validator
    value = error.instance
    if kind == "required":
        return error.message.replace("is a required property", "is required here")
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        hint = closest(str(value), [str(v) for v in error.validator_value], budget)
        return f"{value!r} is not allowed: use one of {allowed}" + (f" (did you mean {hint!r}?)" if hint else "")
    if kind in ("pattern", "format") and error.schema.get("format") == "date":
        return f"{value!r} is not a date: write it as YYYY-MM-DD"
    if kind == "pattern" and error.schema.get("x-pattern-message"):
        return str(error.schema["x-pattern-message"])
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
