"""Plain values that YAML 1.1 (PyYAML, and so imscheck) and YAML 1.2 read differently.

imscheck reads YAML 1.1: an unquoted ``on`` or ``yes`` is true, ``1:30`` is a
number. Editors' language servers and check-jsonschema read YAML 1.2, where
both are text and ``1e3`` is a number. A value that changes type between the
two is a trap: it validates in one tool and not in the other. Quoting it, or
writing it the way both read alike, removes the doubt.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import yaml

from ..errors import Warning
from .yamlsource import YamlSource

_TAG = "tag:yaml.org,2002:"
# The YAML 1.2 core schema's resolution of plain scalars.
_CORE = (
    ("null", re.compile(r"~|null|Null|NULL|")),
    ("bool", re.compile(r"true|True|TRUE|false|False|FALSE")),
    ("int", re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")),
    ("float", re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN")),
)
_WORDS = {"null": "nothing (null)", "bool": "true or false", "int": "a whole number", "float": "a number", "str": "text"}


def core_kind(text: str) -> str:
    for kind, pattern in _CORE:
        if pattern.fullmatch(text):
            return kind
    return "str"


def pyyaml_kind(node: yaml.ScalarNode) -> str:
    kind = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else "str"
    return "str" if kind == "timestamp" else kind  # imscheck keeps dates as text


def read_as(node: yaml.ScalarNode, value: Any) -> str:
    """How imscheck read a plain scalar, in words: 'true', 'the number 1.2'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    return f"the number {value}"


def quote_advice(node: Any, value: Any) -> str | None:
    """The fix for a plain scalar that YAML 1.1 read as something other than the text that was meant."""
    if not isinstance(node, yaml.ScalarNode) or node.style not in (None, "") or isinstance(value, str) or not node.value:
        return None
    return f"{node.value!r} was read as {read_as(node, value)} (YAML 1.1); write \"{node.value}\" in quotes"


def differences(source: YamlSource) -> Iterator[Warning]:
    """Every plain value that YAML 1.2 tools read as another type than imscheck does."""
    yield from _walk(source, source._root())  # composed again when the data came from the parse cache


def _walk(source: YamlSource, node: Any) -> Iterator[Warning]:
    if isinstance(node, yaml.ScalarNode):
        if node.style in (None, ""):  # plain: libyaml says "", pure Python None
            mine, theirs = pyyaml_kind(node), core_kind(node.value)
            if mine != theirs:
                yield Warning(source.file, node.start_mark.line + 1, node.start_mark.column + 1,
                              f"{node.value!r} is {_WORDS[mine]} to imscheck (YAML 1.1) but {_WORDS[theirs]} to YAML 1.2 "
                              f"tools such as editors and check-jsonschema: write \"{node.value}\" in quotes if you mean text"
                              + (", or true/false if you mean that" if "bool" in (mine, theirs) else ""))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(source, item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from _walk(source, value)
