"""The indented JSON writer: the standard library's text, character for character."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from imscheck.jsontext import dumps

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(), st.sampled_from(["", "\x00\x1f\x7f", "\u2028\u202e", "\ud800", "é\"\\/"]))
KEYS = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=6), st.tuples(inner, inner),
                                                       st.dictionaries(KEYS, inner, max_size=6)), max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_same_text_as_json_dumps(value):
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_report_shaped_document():
    value = {"results": [{"evidence": [f"DOC-{i}" for i in range(1000)], "reasons": [], "location": None, "details": [{}]}],
             "summary": {"met": 3, "ratio": 0.5}, "empty": {}, "mixed": [1, [2, [3, {}]], "x", None, True]}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_what_json_refuses_is_refused():
    import pytest

    for bad in ({"a": object()}, {(1, 2): 1}, [{1, 2}]):
        with pytest.raises(TypeError):
            json.dumps(bad, indent=2)
        with pytest.raises(TypeError):
            dumps(bad)
