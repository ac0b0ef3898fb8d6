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

from ..errors import Problem, pointer_of
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


def differences(source: YamlSource) -> Iterator[Problem]:
    """Every plain value that YAML 1.2 tools read as another type than imscheck does."""
    if source.node is None and source.text is not None and not source.prefix:
        found = _from_events(source)
        if found is not None:
            yield from found
            return
    yield from _walk(source, source._root(), [])  # composed from the text


def _difference(source: YamlSource, mark: Any, path: list[Any], value: str, tag: str) -> Problem | None:
    mine, theirs = _kind(tag), core_kind(value)
    if mine == theirs:
        return None
    return Problem(source.file, mark.line + 1, mark.column + 1, pointer_of(path),
                   f"warning: {value!r} is {_WORDS[mine]} to imscheck (YAML 1.1) but {_WORDS[theirs]} to YAML 1.2 "
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


def _from_events(source: YamlSource) -> list[Problem] | None:
    """:func:`differences` from the parser's events, without composing the node tree (the file
    has been read without a problem, so every key is text and every alias names a finished value)."""
    text = source.text.decode("utf-8-sig") if isinstance(source.text, bytes) else source.text
    loader = _Loader(text)
    found: list[tuple[Any, tuple[Any, ...], str, str]] = []  # mark, path, value, tag
    anchors: dict[str, tuple[int, int, int]] = {}  # anchor -> its differences found[start:end], its path's length
    opened: list[tuple[str, int, int]] = []  # anchored collections not ended yet
    path: list[Any] = []
    frames: list[list[Any]] = []  # per open collection: [is a mapping, expecting a key, next index, anchor]
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            frame = frames[-1] if frames else None
            if frame is not None and frame[0] and frame[1] and kind is yaml.ScalarEvent:
                path.append(event.value)  # a key: the value that follows is at path + [key]
                frame[1] = False
                continue
            if frame is not None and not frame[0] and kind in _VALUES:
                path.append(frame[2])
                frame[2] += 1
            if kind is yaml.ScalarEvent:
                if event.style in (None, ""):  # plain: libyaml says "", pure Python None
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                    differs = _differs(event.value, tag)
                    if event.anchor is not None:
                        anchors[event.anchor] = (len(found), len(found) + differs, len(path))
                    if differs:
                        found.append((event.start_mark, tuple(path), event.value, tag))
                elif event.anchor is not None:
                    anchors[event.anchor] = (len(found), len(found), len(path))
            elif kind is yaml.AliasEvent:
                first, last, depth = anchors[event.anchor]
                here = tuple(path)
                found.extend((mark, here + named[depth:], value, tag) for mark, named, value, tag in found[first:last])
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                frames.append([kind is yaml.MappingStartEvent, True, 0])
                opened.append((event.anchor, len(found), len(path)))
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frames.pop()
                anchor, first, depth = opened.pop()
                if anchor is not None:
                    anchors[anchor] = (first, len(found), depth)
            elif kind is yaml.StreamEndEvent:
                break
            else:
                continue  # stream and document boundaries
            if frames:  # a value ended: step out of it
                path.pop()
                frames[-1][1] = True  # in a mapping, a key comes next
    except (yaml.YAMLError, KeyError):  # pragma: no cover - the file was read without a problem
        return None
    finally:
        loader.dispose()
    problems = []
    for mark, named, value, tag in found:
        problem = _difference(source, mark, list(named), value, tag)
        if problem is not None:
            problems.append(problem)
    return problems


_VALUES = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)


def _walk(source: YamlSource, node: Any, path: list[Any]) -> Iterator[Problem]:
    if isinstance(node, yaml.ScalarNode):
        if node.style in (None, ""):  # plain: libyaml says "", pure Python None
            problem = _difference(source, node.start_mark, path, node.value, node.tag)
            if problem is not None:
                yield problem
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk(source, item, path + [i])
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from _walk(source, value, path + [key.value])
