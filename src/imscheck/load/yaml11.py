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
from .yamlsource import YamlSource, _Loader

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
    """Every plain value that YAML 1.2 tools read as another type than imscheck does.

    A value repeated through an alias is the same value at the same place, so it is said once.
    """
    if source.node is None and source.text is not None and not source.prefix:
        found = _from_events(source)
        if found is not None:
            yield from found
            return
    seen: set[int] = set()
    yield from _walk(source, source._root(), seen)  # composed from the text


def _warning(source: YamlSource, line: int, column: int, value: str, tag: str) -> Warning | None:
    if not _differs(value, tag):
        return None
    mine, theirs = _kind(tag), core_kind(value)
    return Warning(source.file, line + 1, column + 1,
                   f"{value!r} is {_WORDS[mine]} to imscheck (YAML 1.1) but {_WORDS[theirs]} to YAML 1.2 "
                   f"tools such as editors and check-jsonschema: write \"{value}\" in quotes if you mean text"
                   + (", or true/false if you mean that" if "bool" in (mine, theirs) else ""))


def _kind(tag: str) -> str:
    mine = tag[len(_TAG):] if tag.startswith(_TAG) else "str"
    return "str" if mine == "timestamp" else mine  # imscheck keeps dates as text


def _differs(value: str, tag: str, _known: dict[tuple[str, str], bool] = {}) -> bool:  # noqa: B006 - a memo
    answer = _known.get((value, tag))
    if answer is None:
        answer = _kind(tag) != core_kind(value)
        if len(_known) < 100_000:
            _known[(value, tag)] = answer
    return answer


def _from_events(source: YamlSource) -> list[Warning] | None:
    """:func:`differences` from the parser's events, without composing the node tree (the file
    has been read without a problem, so every key is plain text and every alias repeats a value
    already seen)."""
    text = source.text.decode("utf-8-sig") if isinstance(source.text, bytes) else source.text
    loader = _Loader(text)
    found: list[Warning] = []
    frames: list[list[bool]] = []  # per open collection: [is a mapping, a key comes next]
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind in _VALUES:
                frame = frames[-1] if frames else None
                is_key = frame is not None and frame[0] and frame[1]
                if frame is not None and frame[0]:
                    frame[1] = not frame[1]
                if kind is yaml.ScalarEvent and not is_key and event.style in (None, ""):  # plain: libyaml says ""
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                    warning = _warning(source, event.start_mark.line, event.start_mark.column, event.value, tag)
                    if warning is not None:
                        found.append(warning)
                elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    frames.append([kind is yaml.MappingStartEvent, True])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frames.pop()
            elif kind is yaml.StreamEndEvent:
                break
    except yaml.YAMLError:  # pragma: no cover - the file was read without a problem
        return None
    finally:
        loader.dispose()
    return found


_VALUES = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)


def _walk(source: YamlSource, node: Any, seen: set[int]) -> Iterator[Warning]:
    if isinstance(node, yaml.ScalarNode):
        if node.style in (None, ""):  # plain: libyaml says "", pure Python None
            warning = _warning(source, node.start_mark.line, node.start_mark.column, node.value, node.tag)
            if warning is not None:
                yield warning
        return
    if id(node) in seen:
        return  # an alias: said where its anchor is
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(source, item, seen)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from _walk(source, value, seen)
