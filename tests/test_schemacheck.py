"""The fast validity test must agree with jsonschema on every document, valid or not."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imscheck.load.schemacheck import quick_check, validator

EXAMPLE = Path(__file__).resolve().parents[1] / "evidence-examples" / "northwind-services" / "ims"
BASE = {}
for file in sorted(EXAMPLE.glob("*.yaml")):
    for key, value in yaml.safe_load(file.read_text()).items():
        BASE[key] = BASE.get(key, []) + value if isinstance(value, list) else value

ODD_VALUES = [None, True, False, 0, 1, -3, 1.5, "", "x", "2025-02-30", "2025-13-01", "2025-06-30", "25-06-30",
              "ISO9001:2015/9.3.1", "ISO9001:2015", "not an id!", [], ["x"], [1], {}, {"a": 1}, {"id": "x"}]


def paths(node, trail=()):
    yield trail
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, trail + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield from paths(value, trail + (index,))


ALL_PATHS = list(paths(BASE))[1:]


def mutate(document, path, action, value):
    document = copy.deepcopy(document)
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "delete":
        parent.pop(last)
    elif action == "add_key" and isinstance(parent[last], dict):
        parent[last]["unexpected_field"] = value
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    return document


def agree(document, name="ims.schema.json"):
    fast = quick_check(name)
    assert fast is not None
    try:
        fast(document)
        fast_valid = True
    except Exception:
        fast_valid = False
    assert fast_valid == validator(name).is_valid(document)


def test_the_example_is_valid_for_both():
    agree(BASE)
    assert validator("ims.schema.json").is_valid(BASE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(ALL_PATHS), action=st.sampled_from(["replace", "delete", "add_key", "duplicate"]),
       value=st.sampled_from(ODD_VALUES))
def test_mutated_documents_get_the_same_answer(path, action, value):
    agree(mutate(BASE, path, action, value))


@settings(max_examples=100, deadline=None)
@given(first=st.sampled_from(ALL_PATHS), second=st.sampled_from(ALL_PATHS), value=st.sampled_from(ODD_VALUES))
def test_two_mutations_get_the_same_answer(first, second, value):
    document = mutate(BASE, first, "replace", value)
    try:
        document = mutate(document, second, "delete", None)
    except (KeyError, IndexError, TypeError, AttributeError):  # the first mutation removed the place
        pass
    agree(document)


def test_every_bundled_schema_has_the_fast_path():
    # Without it every run imports jsonschema and walks each document with it: several times slower.
    from imscheck import resources
    from imscheck.load.schemacheck import quick_check

    names = sorted(p.name for p in resources.data_dir("schemas").glob("*.schema.json"))
    assert len(names) >= 4
    assert [n for n in names if quick_check(n) is None] == []


def test_const_is_rewritten_as_enum_only_where_it_is_a_keyword():
    from imscheck.load.schemacheck import const_as_enum

    schema = {"type": "object", "properties": {"const": {"const": "x"}, "kind": {"enum": ["a"], "default": {"const": 1}}},
              "anyOf": [{"const": None}], "items": {"properties": {"const": {"type": "string"}}}}
    assert const_as_enum(schema) == {
        "type": "object", "properties": {"const": {"enum": ["x"]}, "kind": {"enum": ["a"], "default": {"const": 1}}},
        "anyOf": [{"enum": [None]}], "items": {"properties": {"const": {"type": "string"}}}}


def test_a_const_and_the_enum_it_becomes_give_the_same_answers():
    import fastjsonschema
    from imscheck.load.schemacheck import const_as_enum

    schema = {"type": "object", "properties": {"level": {"const": "A"}, "none": {"const": None}}}
    plain, rewritten = fastjsonschema.compile(schema), fastjsonschema.compile(const_as_enum(schema), detailed_exceptions=False)
    for document in ({"level": "A"}, {"level": "B"}, {"none": None}, {"none": 0}, {"none": False}, {"level": ["A"]}, {}):
        answers = []
        for check in (plain, rewritten):
            try:
                check(document)
                answers.append(True)
            except fastjsonschema.JsonSchemaValueException:
                answers.append(False)
        assert answers[0] == answers[1], document
