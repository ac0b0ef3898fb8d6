"""Reading YAML safely, keeping a side index from JSON pointers to lines.

This module builds the plain data from PyYAML's events itself so that it can
refuse what a hand-edited audit file should never contain (duplicate keys,
merge keys, Python tags, alias bombs) and so that locations stay out of the
data. Locations are kept as compact marks (three numbers per value and per key,
see :class:`YamlSource`), built in the same pass as the data; the node tree
PyYAML's composer makes (an object and two marks per value) is never kept.
Anything the event pass does not take on its own (a refusal, a syntax error,
an alias it cannot copy) is read again by composing nodes, which says exactly
what is wrong and where. Marks are 0-based; they are turned into 1-based lines
and columns here, and nowhere else.
"""

from __future__ import annotations

import gc
import os
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..containment import Refusal, read_regular_file, real_root
from ..errors import InputError, Problem, pointer_of
from . import parsecache

try:  # libyaml makes composing several times faster; pure Python still works
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, remembering which tag each plain scalar resolved to.

    Resolving runs a set of regular expressions for every scalar, in Python,
    even under libyaml; an IMS repeats the same ids, dates and words
    thousands of times, so remembering the answer saves a fifth of the parse.
    """

    _plain_tags: dict[str, str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any, _scalar: Any = yaml.ScalarNode) -> Any:
        if kind is _scalar:
            if not implicit[0]:
                return _STR  # quoted: text, as the safe resolver (which has no path resolvers) decides
            if value and _FIRST_OF_TYPED is not None and value[0] not in _FIRST_OF_TYPED:
                return _STR  # no implicit type starts with this character: most ids, names and titles
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._plain_tags) < 200_000:
                    self._plain_tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


_STR = "tag:yaml.org,2002:str"
# The first characters the safe resolver has implicit types for (bool, int, float, null, timestamp, merge,
# value); none if some PyYAML adds a resolver for any first character, which the shortcut would skip.
_FIRST_OF_TYPED = (None if None in _Loader.yaml_implicit_resolvers
                   else frozenset(_Loader.yaml_implicit_resolvers))

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 100_000

_scalars = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_SCALAR_BUILDERS = {
    _TAG + "str": lambda node: node.value,
    # Dates stay text (YYYY-MM-DD is checked by the schema): comparing ISO
    # dates as strings is exact, and both engines see the same value.
    _TAG + "timestamp": lambda node: node.value,
    _TAG + "int": _scalars.construct_yaml_int,
    _TAG + "float": _scalars.construct_yaml_float,
    _TAG + "bool": _scalars.construct_yaml_bool,
    _TAG + "null": lambda node: None,
}


# Marks: per value and per mapping key, in document order, its line, its column
# (both 0-based) and the index just after everything written inside it.
MARKS_TYPE = next(code for code in "IL" if array(code).itemsize == 4)
_WIDE = 16  # collections wider than this get an index of their children on the first lookup


@dataclass(frozen=True)
class YamlSource:
    """The data of one YAML document and where each of its values was written.

    ``marks`` (an ``array``) holds, for every value and every mapping key in
    document order (a mapping's keys each right before its value, aliases
    written out as the data has them), its line, column and the index where the
    next one after it and everything inside it starts; ``base`` is the index of
    this document's root (not 0 for a part of a document, see :meth:`sub`).
    ``node``, the composed node tree, is made from ``text`` only where a caller
    needs nodes (:meth:`node_at`, YAML 1.1 advice); a source built from nodes
    (``marks`` None) locates through them.
    """

    file: str
    data: Any
    node: Any = None
    # Mapping node -> {key: (key node, value node)}, built on a mapping's first lookup:
    # locating thousands of problems in one wide mapping stays linear.
    _keys: dict[int, dict[Any, tuple[Any, Any]]] = field(default_factory=dict, compare=False, repr=False)

    def _entry(self, node: Any, key: Any) -> tuple[Any, Any] | None:
        if len(node.value) <= 8:
            return next(((k, v) for k, v in node.value if k.value == key), None)
        index = self._keys.get(id(node))
        if index is None:
            index = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    index.setdefault(k.value, (k, v))  # the first, as a scan would find
            self._keys[id(node)] = index
        try:
            return index.get(key)
        except TypeError:  # an unhashable part cannot be a key
            return None

    text: str | bytes | None = field(default=None, compare=False, repr=False)  # bytes: UTF-8, decoded when needed
    marks: Any = field(default=None, compare=False, repr=False)
    cache_key: str | None = field(default=None, compare=False, repr=False)
    base: int = field(default=0, compare=False, repr=False)
    prefix: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # where ``base`` is in ``text``
    from_cache: bool = field(default=False, compare=False, repr=False)
    # Index of a wide collection's mark -> where its children's marks are (keys' for a mapping).
    _children: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)

    def _root(self) -> Any:
        if self.node is None and self.text is not None:
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                text = self.text.decode("utf-8-sig") if isinstance(self.text, bytes) else self.text
                node = yaml.compose(text, Loader=_Loader)
                for part in self.prefix:
                    node = self._entry(node, part)[1] if isinstance(node, yaml.MappingNode) else node.value[part]  # type: ignore[index]
                object.__setattr__(self, "node", node)
            finally:
                if gc_was_enabled:
                    gc.enable()
        return self.node

    def _key_mark(self, index: int, mapping: dict[str, Any], key: Any) -> int | None:
        """Where the mark of ``key`` is in the mapping whose mark is at ``index``."""
        try:
            if key not in mapping:
                return None
        except TypeError:  # an unhashable part cannot be a key
            return None
        marks = self.marks
        end = marks[3 * index + 2]
        if len(mapping) > _WIDE:
            found = self._children.get(index)
            if found is None:
                found = {}
                at = index + 1
                for name in mapping:
                    if at >= end:
                        break
                    found[name] = at
                    at = marks[3 * at + 5]  # past the key's value
                self._children[index] = found
            return found.get(key)
        at = index + 1
        for name in mapping:
            if at >= end:
                return None  # a key added to the data after reading: never written
            if name == key:
                return at
            at = marks[3 * at + 5]
        return None

    def _item_mark(self, index: int, sequence: list[Any], position: int) -> int | None:
        marks = self.marks
        end = marks[3 * index + 2]
        if len(sequence) > _WIDE:
            found = self._children.get(index)
            if found is None:
                found = array(MARKS_TYPE)
                at = index + 1
                while at < end:
                    found.append(at)
                    at = marks[3 * at + 2]
                self._children[index] = found
            return found[position] if position < len(found) else None
        at = index + 1
        for _ in range(position):
            if at >= end:
                return None
            at = marks[3 * at + 2]
        return at if at < end else None

    def _locate_in_marks(self, parts: tuple[Any, ...] | list[Any], key: bool) -> tuple[int, int]:
        marks = self.marks
        index = self.base
        if len(marks) <= 3 * index:
            return 1, 1  # an empty document
        data = self.data
        mark = index
        for part in parts:
            if isinstance(data, dict):
                found = self._key_mark(index, data, part)
                if found is None:
                    break
                mark = found if key and part is parts[-1] else found + 1
                index = found + 1
                data = data[part]
            elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
                found = self._item_mark(index, data, part)
                if found is None:
                    break
                index = mark = found
                data = data[part]
            else:
                break
        return marks[3 * mark] + 1, marks[3 * mark + 1] + 1

    def locate(self, parts: tuple[Any, ...] | list[Any], *, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``parts``, or of its key.

        A path that goes past what exists (a property that is missing) points
        at the deepest node that does exist: that is where to add it.
        """
        if self.marks is not None:
            return self._locate_in_marks(parts, key)
        node = self._root()
        mark = node.start_mark if node is not None else None
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                entry = self._entry(node, part)
                if entry is None:
                    break
                mark = entry[0].start_mark if key and part is parts[-1] else entry[1].start_mark
                node = entry[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        if mark is None:
            return 1, 1
        return mark.line + 1, mark.column + 1

    def node_at(self, parts: tuple[Any, ...] | list[Any]) -> Any:
        """The node at ``parts``, or None when the path goes past what exists (composed on first use)."""
        node = self._root()
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                entry = self._entry(node, part)
                node = entry[1] if entry is not None else None
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
        return node

    def sub(self, parts: tuple[Any, ...]) -> "YamlSource":
        """The part of this document at ``parts``, as a document of its own (for rule examples)."""
        if self.marks is None:
            node, data = self._root(), self.data
            for part in parts:
                if isinstance(node, yaml.MappingNode):
                    entry = self._entry(node, part)
                    if entry is None:
                        raise StopIteration(part)  # as the scan this replaces did
                    node = entry[1]
                else:
                    node = node.value[part]
                data = data[part]
            return YamlSource(self.file, data, node)
        index, data = self.base, self.data
        for part in parts:
            if isinstance(data, dict):
                found = self._key_mark(index, data, part)
                if found is None:
                    raise StopIteration(part)
                index = found + 1
            else:
                data[part]  # noqa: B018 - fails as indexing the node did
                index = self._item_mark(index, data, part % len(data))  # type: ignore[assignment]
            data = data[part]
        return YamlSource(self.file, data, None, text=self.text, marks=self.marks, base=index, prefix=self.prefix + tuple(parts))

    def forget_text(self) -> None:
        """Let the text go (a large file's is tens of MB) when no node will be asked for: locating
        needs only the marks, and :meth:`node_at` then answers None."""
        object.__setattr__(self, "text", None)

    def problem(self, parts: tuple[Any, ...] | list[Any], message: str, *, key: bool = False) -> Problem:
        line, column = self.locate(parts, key=key)
        return Problem(self.file, line, column, pointer_of(parts), message)


def read_yaml_file(path: Path, display: str, root: str | None = None) -> YamlSource:
    """Read one YAML file; raise :class:`InputError` naming file and line.

    ``root`` is the real folder the file must stay inside (default: the folder
    that holds it, so a link to a file elsewhere is refused); only a regular
    file is read, so a named pipe cannot hang the run.
    """
    return read_yaml_bytes(file_bytes(path, display, root), display)


def file_bytes(path: Path, display: str, root: str | None = None) -> bytes:
    """The bytes of a file to read as YAML, under :func:`read_yaml_file`'s rules; :class:`InputError` if refused."""
    if root is None:
        root = real_root(os.path.dirname(os.path.abspath(path)))
    try:
        return read_regular_file(path, root, MAX_FILE_BYTES)
    except Refusal as refusal:
        if refusal.kind == Refusal.UNREADABLE:
            message = f"cannot read the file ({refusal.reason}): check that it exists and is readable"
        elif refusal.kind == Refusal.LEAVES:
            message = f"this file {refusal}"
        elif refusal.kind == Refusal.NOT_REGULAR:
            message = f"this path {refusal}"
        else:
            message = str(refusal)
        raise InputError(Problem(display, 1, 1, "", message)) from None


def read_yaml_bytes(raw: bytes, display: str, digest: str | None = None) -> YamlSource:
    """A file's bytes as YAML, through the parse cache when it is on; ``digest``: their :func:`parsecache.key`, if known."""
    if not parsecache.enabled():
        return read_yaml_text(raw, display)
    digest = digest or parsecache.key(raw)
    cached = parsecache.load(digest, MARKS_TYPE)
    if cached is not parsecache.MISS:
        data, marks = cached
        # The bytes, decoded only if nodes are asked for: they were UTF-8 when they were stored.
        return YamlSource(display, data, None, text=raw, marks=marks, cache_key=digest, from_cache=True)
    source = read_yaml_text(raw, display)
    parsecache.store(digest, source.data, source.marks)  # only a file that parsed without a problem gets here
    object.__setattr__(source, "cache_key", digest)
    return source


def _marks_of(node: Any) -> Any:
    """The marks of a node tree, as the event pass makes them (see :class:`YamlSource`)."""
    marks = array(MARKS_TYPE)
    extend = marks.extend

    def walk(node: Any) -> None:
        index = len(marks) // 3
        extend((node.start_mark.line, node.start_mark.column, 0))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                extend((k.start_mark.line, k.start_mark.column, len(marks) // 3 + 1))
                walk(v)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        marks[3 * index + 2] = len(marks) // 3

    if node is not None:
        walk(node)
    return marks


def read_yaml_text(raw: bytes | str, display: str) -> YamlSource:
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            raise InputError(Problem(display, line, column, "", f"byte 0x{raw[exc.start]:02x} is not UTF-8: save the file as UTF-8")) from None
    else:
        text = raw
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        raise InputError(Problem(display, line, 1, "", "the file contains a NUL character: it is not a text file"))
    flow = text.count("[") + text.count("{") > MAX_DEPTH
    if flow and not _NESTING_BOUNDED:
        _check_flow_depth(text, display)  # an old libyaml's composer recurses in C and crashes on deep nesting
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing makes many small objects; collecting them mid-parse triples the time
    try:
        built = _from_events(text)
        if built is not None:
            return YamlSource(display, built[0], None, text=text, marks=built[1])
        try:
            try:
                node = yaml.compose(text, Loader=_Loader)
            except (yaml.YAMLError, RecursionError):
                if flow and _NESTING_BOUNDED:
                    _check_flow_depth(text, display)  # too deep is said before any syntax error, as always
                raise
            if flow and _NESTING_BOUNDED and node is not None:
                _check_tree_depth(node, display)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            what = exc.problem or "not valid YAML"
            raise InputError(Problem(display, line, column, "", f"YAML syntax: {what}" + (f" ({exc.context})" if exc.context else ""))) from None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
            code = exc.character if isinstance(exc.character, int) else ord(exc.character)
            raise InputError(Problem(display, line, column, "", f"control characters are not allowed in YAML (found #x{code:04x}): remove it, or write it as an escape in a double-quoted string")) from None
        except yaml.YAMLError as exc:
            raise InputError(Problem(display, 1, 1, "", f"YAML: {exc}")) from None
        except RecursionError:
            raise InputError(Problem(display, 1, 1, "", f"nesting is too deep: imscheck accepts at most {MAX_DEPTH} levels")) from None
        builder = _Builder(display)
        data = builder.build(node, [], 0) if node is not None else None
    finally:
        if gc_was_enabled:
            gc.enable()
    if builder.problems:
        raise InputError(builder.problems)
    return YamlSource(display, data, None, text=text, marks=_marks_of(node))


_STR, _NULL, _TIMESTAMP, _SEQ, _MAP = (_TAG + name for name in ("str", "null", "timestamp", "seq", "map"))
_EVENT_DEPTH = MAX_DEPTH - 8  # deeper documents are composed, which refuses too deep nesting in its own words


def _from_events(text: str) -> tuple[Any, Any] | None:
    """The data and marks of a document, read from the parser's events in one pass; None when
    the document needs composing: a problem to report (composing locates it and says what it is),
    an alias to something not yet complete, aliases that expand a lot, deep nesting.

    What it returns equals what composing and building give: the same values of the same
    YAML 1.1 types, the same marks, aliases written out again as separate values.
    """
    loader = _Loader(text)
    get = loader.get_event
    resolve = loader.resolve
    plain_tags = _Loader._plain_tags
    intern = sys.intern
    texts: dict[str, str] = {}
    builders = _SCALAR_BUILDERS
    scalar_node = yaml.ScalarNode
    Scalar, MappingStart, SequenceStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    MappingEnd, SequenceEnd, Alias = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent
    marks = array(MARKS_TYPE)
    extend = marks.extend
    no_key = builders  # any object that is not a key
    anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, index of its mark)
    copied = 0
    try:
        get()  # the stream's start
        event = get()
        if type(event) is yaml.StreamEndEvent:
            return None, marks  # no document at all
        if type(event) is not yaml.DocumentStartEvent:
            return None  # pragma: no cover - the parser gives nothing else here
        root: Any = None
        container: Any = None
        mapping = False
        key: Any = no_key
        index = -1
        stack: list[tuple[Any, bool, int]] = []
        count = 0  # marks so far
        while True:
            event = get()
            kind = type(event)
            if kind is Scalar:
                value = event.value
                tag = event.tag
                if tag is None:
                    if event.implicit[0]:  # plain: what _Loader.resolve would answer, without the call
                        tag = plain_tags.get(value) or resolve(scalar_node, value, event.implicit)
                    else:
                        tag = _STR  # quoted or a block scalar: text, as resolving says
                elif tag == "!":
                    tag = resolve(scalar_node, value, event.implicit)
                mark = event.start_mark
                if mapping and key is no_key:
                    if tag != _STR or value in container or event.anchor is not None:
                        return None  # a merge key, a key that is not text, a duplicate, an anchored key
                    key = intern(value)  # a few dozen names, repeated in every entity
                    count += 1
                    extend((mark.line, mark.column, count))
                    continue
                if tag == _STR or tag == _TIMESTAMP:
                    item = texts.setdefault(value, value)  # ids, dates and words repeat: keep each once
                elif tag == _NULL:
                    item = None
                else:
                    builder = builders.get(tag)
                    if builder is None:
                        return None
                    try:
                        item = builder(scalar_node(tag, value, style=event.style))
                    except (ValueError, KeyError, yaml.YAMLError):
                        return None
                if event.anchor is not None:
                    if event.anchor in anchors:
                        return None
                    anchors[event.anchor] = (item, count)
                count += 1
                extend((mark.line, mark.column, count))
            elif kind is MappingStart or kind is SequenceStart:
                if (mapping and key is no_key) or len(stack) >= _EVENT_DEPTH:
                    return None
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP if kind is MappingStart else _SEQ):
                    return None
                item = {} if kind is MappingStart else []
                if event.anchor is not None:
                    if event.anchor in anchors:
                        return None
                    anchors[event.anchor] = (item, count)
                mark = event.start_mark
                extend((mark.line, mark.column, 0))
                if mapping:
                    container[key] = item
                    key = no_key
                elif container is not None:
                    container.append(item)
                else:
                    root = item
                stack.append((container, mapping, index))
                container, mapping, index = item, kind is MappingStart, count
                count += 1
                continue
            elif kind is MappingEnd or kind is SequenceEnd:
                marks[3 * index + 2] = count
                container, mapping, index = stack.pop()
                continue
            elif kind is yaml.DocumentEndEvent:
                break
            elif kind is Alias:
                if mapping and key is no_key or event.anchor not in anchors:
                    return None
                value, start = anchors[event.anchor]
                end = marks[3 * start + 2]
                copied += end - start
                if end == 0 or copied > MAX_ALIAS_NODES or len(stack) + _depth(value) > _EVENT_DEPTH:
                    return None  # an alias inside what it names, a bomb, too deep: composing says which
                shift = count - start
                for at in range(3 * start, 3 * end, 3):
                    extend((marks[at], marks[at + 1], marks[at + 2] + shift))
                count += end - start
                item = _copy(value)
            else:
                return None  # pragma: no cover - the parser gives nothing else inside a document
            if mapping:
                container[key] = item
                key = no_key
            elif container is not None:
                container.append(item)
            else:
                root = item
        if type(get()) is not yaml.StreamEndEvent:
            return None  # another document: composing refuses it
        return root, marks
    except (yaml.YAMLError, RecursionError):
        return None  # composing reports it, with its place
    finally:
        loader.dispose()


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _libyaml_bounds_nesting() -> bool:
    """libyaml 0.2.5 and later refuse nesting beyond 1,000 levels in their scanner, so composing cannot crash."""
    if _Base is not getattr(yaml, "CSafeLoader", None):
        return True  # the pure Python composer raises RecursionError instead
    try:
        from yaml import _yaml

        return tuple(_yaml.get_version()) >= (0, 2, 5)
    except Exception:  # pragma: no cover - an unusual build: keep the event pass
        return False


_NESTING_BOUNDED = _libyaml_bounds_nesting()


def _check_tree_depth(root: Any, display: str) -> None:
    """The same verdict as :func:`_check_flow_depth`, read from the composed nodes.

    Walking the nodes in document order (keys included, each anchored node once,
    where it is defined) meets collections in the order the event pass meets
    their start events, at the same depth; it costs a fifth of parsing the
    events again.
    """
    scalar = yaml.ScalarNode
    if type(root) is scalar:
        return
    stack = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue  # an alias: the event pass sees no start event there
        if depth > MAX_DEPTH:
            mark = node.start_mark
            raise InputError(Problem(display, mark.line + 1, mark.column + 1, "", f"nesting is too deep: imscheck accepts at most {MAX_DEPTH} levels"))
        seen.add(id(node))
        if type(node) is yaml.MappingNode:
            children = [child for pair in node.value for child in pair if type(child) is not scalar]
        else:
            children = [child for child in node.value if type(child) is not scalar]
        depth += 1
        stack.extend((child, depth) for child in reversed(children))


def _check_flow_depth(text: str, display: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH by reading events, which libyaml does without recursion."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise InputError(Problem(display, mark.line + 1, mark.column + 1, "", f"nesting is too deep: imscheck accepts at most {MAX_DEPTH} levels"))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        # Some PyYAML releases stop deep flow nesting in their scanner, with
        # their own wording and well ahead of the parser's events. Say it in
        # imscheck's words when the brackets before that point are too deep;
        # any other syntax error is left for the composer to locate.
        mark = exc.problem_mark if isinstance(exc, yaml.MarkedYAMLError) else None
        end = mark.index if mark is not None else len(text)
        opened = 0
        for offset in range(end):
            char = text[offset]
            if char in "[{":
                opened += 1
                if opened > MAX_DEPTH:
                    line = text.count("\n", 0, offset) + 1
                    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
                    raise InputError(Problem(display, line, column, "", f"nesting is too deep: imscheck accepts at most {MAX_DEPTH} levels")) from None
            elif char in "]}":
                opened -= 1


class _Builder:
    """Turns composed nodes into plain dicts, lists and scalars."""

    def __init__(self, display: str):
        self.display = display
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.alias_nodes = 0  # nodes built again because an alias repeats them, scalars included
        self.expanding = 0  # how many aliases the node being built is inside

    def _problem(self, node: Any, path: list[Any], message: str) -> None:
        self.problems.append(Problem(self.display, node.start_mark.line + 1, node.start_mark.column + 1, pointer_of(path), message))

    def _count_expansion(self, node: Any, path: list[Any]) -> None:
        self.alias_nodes += 1
        if self.alias_nodes > MAX_ALIAS_NODES:
            self._problem(node, path, f"anchors and aliases expand to more than {MAX_ALIAS_NODES:,} nodes: write the values out instead")
            raise InputError(self.problems)

    def build(self, node: Any, path: list[Any], depth: int) -> Any:
        if depth > MAX_DEPTH:
            self._problem(node, path, f"nesting is too deep: imscheck accepts at most {MAX_DEPTH} levels")
            raise InputError(self.problems)
        if self.expanding:
            # Every node an alias builds again counts, scalars too: a list of a
            # thousand aliases to a list of a thousand scalars is a million values.
            self._count_expansion(node, path)
        if isinstance(node, yaml.ScalarNode):
            builder = _SCALAR_BUILDERS.get(node.tag)
            if builder is None:
                self._problem(node, path, f"YAML tag {node.tag!r} is not allowed: remove the tag and write a plain value")
                return None
            try:
                return builder(node)
            except (ValueError, KeyError, yaml.YAMLError):
                self._problem(node, path, f"{node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}: quote it if it is text")
                return None
        if id(node) in self.seen:
            # An alias: the same node reached twice. Everything built below it is
            # counted, so that "billion laughs" documents are refused before they grow.
            if not self.expanding:
                self._count_expansion(node, path)
            self.expanding += 1
            try:
                return self._collection(node, path, depth)
            finally:
                self.expanding -= 1
        self.seen.add(id(node))
        return self._collection(node, path, depth)

    def _collection(self, node: Any, path: list[Any], depth: int) -> Any:
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                self._problem(node, path, f"YAML tag {node.tag!r} is not allowed on a list")
            return [self.build(item, path + [i], depth + 1) for i, item in enumerate(node.value)]
        if node.tag != _TAG + "map":
            self._problem(node, path, f"YAML tag {node.tag!r} is not allowed on a mapping")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self._problem(key_node, path, "merge keys ('<<') are not supported: write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                # An alias or a collection used as a key; its own mark may be the anchor's, elsewhere.
                self._problem(node, path, "a mapping key must be plain text, not a list, a mapping or an alias")
                continue
            if key_node.tag != _TAG + "str":
                self._problem(key_node, path, f"mapping key {key_node.value!r} must be plain text: quote it")
                continue
            key = key_node.value
            if key in result:
                self._problem(key_node, path + [key], f"duplicate key {key!r}: YAML would silently keep only the last one; remove or rename one")
                continue
            result[key] = self.build(value_node, path + [key], depth + 1)
        return result
