"""The kinds of entity an IMS description holds, read from its JSON Schema.

The schema is the single source of truth: the collections, the attributes of
each entity type, and the reference fields (annotated ``x-references``) are all
derived from ``schemas/ims.schema.json``, so adding a field there is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import resources

IMS_SCHEMA = "ims.schema.json"

# Types that describe the organisation and its scopes rather than evidence of
# conformity: they never appear in a result's evidence list.
STRUCTURAL_TYPES = frozenset({"organisation", "unit", "location", "service", "management_system", "requirement"})

# Requirements of the catalogue are facts too, so a rule can ask that every
# Annex A control has a Statement of Applicability entry.
REQUIREMENT_TYPE = "requirement"
REQUIREMENT_ATTRIBUTES = frozenset({"id", "standard", "clause", "title", "annex", "theme", "hs", "exclusion", "asks_for", "conditional"})


@dataclass(frozen=True)
class ReferenceField:
    """A field whose values are ids of entities in ``target``.

    ``path`` walks from the entity to the value; ``"[]"`` steps into a list.
    ``target`` is a collection name, or ``"requirements"`` for requirement ids.
    """

    path: tuple[str, ...]
    target: str


@dataclass(frozen=True)
class EntityType:
    name: str
    collection: str
    attributes: frozenset[str]
    references: tuple[ReferenceField, ...]


@lru_cache(maxsize=None)
def entity_types() -> dict[str, EntityType]:
    """Entity types by type name (``process``), in schema order."""
    schema = resources.schema(IMS_SCHEMA)
    defs = schema["$defs"]
    types: dict[str, EntityType] = {}
    for collection, prop in schema["properties"].items():
        item = prop.get("items", prop)
        name = item["$ref"].rsplit("/", 1)[-1]
        definition = defs[name]
        refs = tuple(_references(definition, (), defs))
        types[name] = EntityType(name, collection, frozenset(definition["properties"]), refs)
    return types


def rule_types() -> dict[str, frozenset[str]]:
    """Every type a rule can match, with its schema attributes."""
    types = {name: t.attributes for name, t in entity_types().items()}
    types[REQUIREMENT_TYPE] = REQUIREMENT_ATTRIBUTES
    return types


@lru_cache(maxsize=None)
def collection_types() -> dict[str, EntityType]:
    return {t.collection: t for t in entity_types().values()}


def _references(node: dict[str, Any], path: tuple[str, ...], defs: dict[str, Any]) -> list[ReferenceField]:
    if "x-references" in node:
        return [ReferenceField(path, node["x-references"])]
    if "$ref" in node and node["$ref"].startswith("#/$defs/"):
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        return _references(target, path, defs) if target is not node else []
    found: list[ReferenceField] = []
    for key, sub in node.get("properties", {}).items():
        found.extend(_references(sub, path + (key,), defs))
    if "items" in node:
        found.extend(_references(node["items"], path + ("[]",), defs))
    return found


def values_at(data: Any, path: tuple[str, ...], trail: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (pointer parts, value) reached by ``path`` inside ``data``."""
    if not path:
        return [(trail, data)] if data is not None else []
    head, rest = path[0], path[1:]
    if head == "[]":
        if not isinstance(data, list):
            return []
        out = []
        for i, item in enumerate(data):
            out.extend(values_at(item, rest, trail + (i,)))
        return out
    if isinstance(data, dict) and head in data:
        return values_at(data[head], rest, trail + (head,))
    return []


# Attributes the facts carry beyond what the schema defines (see engines/facts.py for
# how each is derived); the rule compiler accepts them as it accepts schema fields.
DERIVED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"standards"}),
    "process": frozenset({"in_house"}),
    "document": frozenset({"file_status", "review_due", "git_state", "last_changed", "last_commit", "changed_after_approval"}),
    "supplier": frozenset({"review_due", "latest_review"}),
}


def derived_attributes(type_name: str) -> frozenset[str]:
    return DERIVED_ATTRIBUTES["*"] | DERIVED_ATTRIBUTES.get(type_name, frozenset())
