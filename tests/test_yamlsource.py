"""The YAML reader: safe loading, refusals, and locations that are right at any length."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imscheck.errors import InputError
from imscheck.load.yamlsource import MAX_ALIAS_NODES, read_yaml_text

from .test_fuzz import IMS_FILES, damage


def problems(text: str | bytes) -> list[tuple[int, int, str]]:
    with pytest.raises(InputError) as caught:
        read_yaml_text(text, "ims.yaml")
    return [(p.line, p.column, p.message) for p in caught.value.problems]


def test_reads_plain_yaml_and_keeps_dates_as_text():
    source = read_yaml_text("a: 1\nb: [x, 2.5, true, null]\nc: 2025-01-31\n", "f.yaml")
    assert source.data == {"a": 1, "b": ["x", 2.5, True, None], "c": "2025-01-31"}


def test_duplicate_key_is_an_error_at_the_second_key():
    [(line, column, message)] = problems("id: a\nname: x\nid: b\n")
    assert (line, column) == (3, 1)
    assert "duplicate key 'id'" in message


def test_merge_keys_are_refused():
    [(line, _, message)] = problems("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert line == 3 and "merge keys" in message


def test_python_tags_are_refused_and_nothing_is_constructed():
    found = problems("x: !!python/object/apply:os.system ['echo pwned']\n")
    assert found and "not allowed" in found[0][2]


def test_alias_bomb_is_refused_quickly():
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]")
    found = problems("\n".join(lines) + "\n")
    assert f"{MAX_ALIAS_NODES:,}" in found[0][2]


def test_line_numbers_stay_right_deep_into_a_long_file():
    body = "".join(f"k{i}: {i}\n" for i in range(60_000))
    [(line, column, message)] = problems(body + "k5: again\n")
    assert (line, column) == (60_001, 1) and "duplicate key 'k5'" in message


def test_locate_points_at_values_and_keys():
    source = read_yaml_text("top:\n  - id: a\n    owner: bob\n", "f.yaml")
    assert source.locate(("top", 0, "owner")) == (3, 12)
    assert source.locate(("top", 0, "owner"), key=True) == (3, 5)
    # a missing property points at the deepest node that exists: where to add it
    assert source.locate(("top", 0, "missing")) == (2, 5)


def test_syntax_error_has_its_line():
    [(line, _, message)] = problems("a: 1\nb: [1, 2\nc: 3\n")
    assert line >= 2 and message.startswith("YAML syntax")


def test_tab_indentation_is_a_located_syntax_error():
    [(line, _, message)] = problems("a:\n\tb: 1\n")
    assert line == 2 and "YAML syntax" in message


def test_non_utf8_bytes_are_located():
    [(line, column, message)] = problems(b"a: 1\nb: caf\xe9\n")
    assert (line, column) == (2, 7) and "not UTF-8" in message


def test_nul_bytes_are_refused():
    [(line, _, message)] = problems("a: 1\nb: \x00\n")
    assert line == 2 and "NUL" in message


def test_bom_is_accepted():
    assert read_yaml_text("\ufeffa: 1\n".encode("utf-8"), "f.yaml").data == {"a": 1}


def test_non_text_keys_are_refused():
    [(_, _, message)] = problems("2024: x\n")
    assert "must be plain text" in message


def test_deep_nesting_is_refused():
    found = problems("a: " + "[" * 200 + "]" * 200 + "\n")
    assert "too deep" in found[0][2]


NESTING_CASES = [
    "a: " + "[" * 64 + "]" * 64,
    "a: " + "[" * 65 + "]" * 65,
    "a: " + "[" * 70 + "x" + "]" * 70,
    "- " * 40 + "a: " + "{b: " * 30 + "1" + "}" * 30,
    "- " * 20 + "a: " + "{b: " * 50 + "1" + "}" * 50,
    "? " + "[" * 66 + "]" * 66 + "\n: x\n",
    "shallow: &s [1, 2]\n" + "deep: " + "[" * 63 + "*s" + "]" * 63,
    "shallow: &s [[1]]\n" + "deep: " + "[" * 63 + "*s" + "]" * 63,
    "deep: &d " + "[" * 66 + "]" * 66 + "\nagain: *d\n",
    "a: [" + "], [".join("[" * 10 + "]" * 10 for _ in range(30)) + "]",
    "text: '" + "[" * 80 + "'\nlist: [" + "[" * 62 + "]" * 62 + "]",
    "a: " + "[" * 66 + "]" * 65 + "\n",  # a syntax error after the deep part
    "a: [" + "x, " * 70 + "]\nb: ]\n",  # a syntax error, nothing deep
    "a: " + "[" * 66 + "]" * 66 + "\n---\nb: 1\n",  # two documents
]


@pytest.mark.parametrize("text", NESTING_CASES)
def test_nesting_read_from_nodes_says_what_the_event_pass_says(text, monkeypatch):
    # Reading depth from the composed nodes replaces a second parse; the outcome must not change.
    from imscheck.load import yamlsource

    def outcome() -> object:
        try:
            return read_yaml_text(text, "ims.yaml").data
        except InputError as error:
            return [p.render() for p in error.problems]

    fast = outcome()
    monkeypatch.setattr(yamlsource, "_NESTING_BOUNDED", False)
    assert fast == outcome()


TYPED_WORDS = ["yes", "Yes", "NO", "on", "Off", "true", "False", "null", "Null", "~", "", "0", "-12", "+3", "0x1F", "0o17",
               "1_000", "1.5", "-.5", ".inf", "-.Inf", ".NaN", "6.02e+23", "2025-01-31", "2025-01-31 10:00:00", "1:30", "=",
               "n", "y", "D-1", "yesterday", "note", "ok"]


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.sampled_from(TYPED_WORDS), st.text(alphabet="aDnNyYoOtTfF~0123456789.-+:eE<=_ x", max_size=12)),
       quoted=st.booleans())
def test_plain_and_quoted_values_resolve_to_the_types_pyyaml_gives(value, quoted):
    import yaml

    from imscheck.load.yamlsource import _Loader

    text = "key: " + (json.dumps(value) if quoted else value) + "\n"
    try:
        expected = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # not a plain value in YAML
    assert yaml.compose(text, Loader=_Loader).value[0][1].tag == expected.value[0][1].tag


# The event pass builds data and marks without keeping a node tree; composing is the reference.
EVENT_CASES = [
    "a: &x 1\nb: *x\n",
    "a: &x [1, {b: &y two}]\nc: *x\nd: [*y, *x]\n",
    "- &m {k: v, l: [1, 2]}\n- *m\n- {n: *m}\n",
    "a: !!str 1\nb: !!int '7'\nc: ! 12\nd: !!float 1\ne: !!map {x: !!seq [!!null '', !!bool yes]}\n",
    "\"quoted key\": |\n  block\n  text\n'single': >-\n  folded\nplain: yes\nwhen: on\n",
    "", "# only a comment\n", "---\n", "--- 3\n", "---\n...\n", "[1, 2]\n", "x\n",
    "a:\n  - b:\n      c: [d, e]\n    f: g\n  -\n  - ~\n",
    "k: 2025-01-31\nt: 2001-12-14t21:59:43.10-05:00\nn: .nan\ni: 0x1F\no: 0o17\ns: 1_000\nf: 1e3\nsex: 1:30\n",
    "wide:\n" + "".join(f"  k{i}: [{i}, {{v: {i}}}]\n" for i in range(40)) + "list:\n" + "".join(f"- {i}\n" for i in range(40)),
]
# Valid documents the event pass leaves to composing: deep nesting, an anchored key.
COMPOSED_CASES = ["a: " + "[" * 60 + "x" + "]" * 60 + "\n", "&k a: 1\nb: *k\n"]


def _composed(text: str):
    import yaml

    from imscheck.load import yamlsource

    node = yaml.compose(text, Loader=yamlsource._Loader)
    builder = yamlsource._Builder("f.yaml")
    data = builder.build(node, [], 0) if node is not None else None
    assert not builder.problems
    return data, node


def _same_as_composing(text: str, source) -> None:
    from imscheck.load.yamlsource import YamlSource, _marks_of
    from tests.test_parsecache import _paths, typed

    data, node = _composed(text)
    assert typed(source.data) == typed(data)
    assert source.node is None and source.marks == _marks_of(node)
    composed = YamlSource("f.yaml", data, node)
    for parts in _paths(data, limit=2000):
        assert source.locate(parts) == composed.locate(parts), parts
        assert source.locate(parts, key=True) == composed.locate(parts, key=True), parts


@pytest.mark.parametrize("text", EVENT_CASES)
def test_the_event_pass_reads_what_composing_reads(text):
    from imscheck.load.yamlsource import _from_events

    assert _from_events(text) is not None, "left to composing"
    _same_as_composing(text, read_yaml_text(text, "f.yaml"))


@pytest.mark.parametrize("text", COMPOSED_CASES)
def test_documents_left_to_composing_get_the_same_marks(text):
    from imscheck.load.yamlsource import _from_events

    assert _from_events(text) is None
    _same_as_composing(text, read_yaml_text(text, "f.yaml"))


def test_the_event_pass_agrees_with_composing_on_the_whole_corpus():
    """Every YAML text of the error corpus, the examples and the rules: what composing refuses, the
    event pass leaves to it; what composing reads, the event pass reads the same (without falling back)."""
    from imscheck.load.yamlsource import _from_events
    from tests.test_parsecache import CORPUS

    read = 0
    for name, text in CORPUS:
        try:
            _composed(text)
        except Exception:
            assert _from_events(text) is None, name
            continue
        assert _from_events(text) is not None, name
        _same_as_composing(text, read_yaml_text(text, name))
        read += 1
    assert read > 100


def test_a_part_of_a_document_locates_and_composes_like_the_whole():
    source = read_yaml_text("examples:\n  pass:\n    - ims:\n        units:\n          - id: U1\n            name: 7\n", "r.yaml")
    part = source.sub(("examples", "pass", 0, "ims"))
    assert part.data == {"units": [{"id": "U1", "name": 7}]}
    assert part.locate(("units", 0, "name")) == source.locate(("examples", "pass", 0, "ims", "units", 0, "name")) == (6, 19)
    assert part.node_at(("units", 0, "name")).value == "7"
    assert part.node_at(("units", 0, "missing")) is None


ANCHORED = ("base: &b {x: 1, y: [a, 'b', \"c\"]}\nlist: &l\n  - *b\n  - {z: *b}\nagain: *l\nscalar: &s yes\nmore: [*s, *s, !!str 3, ! 4]\n"
            "? quoted key\n: |\n  block\nempty:\nflow: {a: [1, {b: ~}], c: 2025-01-31}\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_yaml_reads_the_same_through_events_as_through_nodes(data):
    """What composing refuses, the event pass leaves to it; what composing reads, it reads the same."""
    from imscheck.load.yamlsource import _from_events

    base = data.draw(st.sampled_from([ANCHORED, *(path.read_text(encoding="utf-8")[:3000] for path in IMS_FILES[:3])]))
    text = damage(base, data)
    try:
        _composed(text)
    except Exception:
        assert _from_events(text) is None
        return
    try:
        source = read_yaml_text(text, "f.yaml")
    except InputError:  # the NUL and flow-depth checks that come before any parse
        return
    _same_as_composing(text, source)
