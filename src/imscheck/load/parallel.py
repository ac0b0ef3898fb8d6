"""Reading several YAML files at once, on the processor cores the run may use.

Parsing is most of a large run, and an IMS is usually many files. When there
is more than a little to parse and more than one core, the files to parse are
shared out by size between this process and forked children (:mod:`imscheck.workers`);
each child reads its files exactly as this process would (the same containment
checks, limits and parse cache) and sends back what it read: sources, or the
located problems of a file that cannot be used. Results are put back in the
files' order, so the outcome is the same as reading one file after the other;
the files of a child that fails are read here. A file the parse cache already
holds is read here: loading an entry costs less than sending its data from a
child (a warm run of 100,000 entities in two files took 5.1 s in one process
and 5.4-6.1 s with one file loaded in a child).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .. import workers
from ..errors import InputError, Problem
from . import parsecache
from .yamlsource import YamlSource, file_bytes, read_yaml_bytes, read_yaml_file

# Below this much YAML to parse, starting a process costs more than it saves.
MIN_PARALLEL_BYTES = 1_000_000
MAX_WORKERS = 8

Read = YamlSource | InputError
# The bytes of a file the parse cache holds and their key, read once to find out and kept to be read here.
Held = dict[int, tuple[bytes, str]]


def read_yaml_files(files: list[tuple[Path, str]], root: str,
                    progress: Callable[[int, int], None] | None = None) -> list[Read]:
    """Each ``(path, display)`` read like :func:`read_yaml_file`: its source, or the InputError it raised."""
    total = len(files)
    shares, held = _shares(files, root)
    children = [(share, workers.Worker(_read_share, [files[i] for i in share], root)) for share in shares[1:]]
    results: list[Read | None] = [None] * total
    done = 0
    for i in shares[0]:
        done += 1
        if progress is not None:
            progress(done, total)
        results[i] = _read(*files[i], root, held.get(i))
    for share, child in children:
        found = child.result()
        for position, i in enumerate(share):
            item = found[position] if isinstance(found, list) and len(found) == len(share) else None
            if isinstance(item, YamlSource):
                results[i] = item
            elif isinstance(item, list):  # the problems of an InputError, which does not pickle
                results[i] = InputError(item)
            else:
                results[i] = _read(*files[i], root)
            done += 1
            if progress is not None:
                progress(done, total)
    return [result for result in results if result is not None]


def _read(path: Path, display: str, root: str, held: tuple[bytes, str] | None = None) -> Read:
    try:
        return read_yaml_file(path, display, root) if held is None else read_yaml_bytes(held[0], display, held[1])
    except InputError as error:
        return error


def _read_share(files: list[tuple[Path, str]], root: str) -> list[YamlSource | list[Problem]]:
    found: list[YamlSource | list[Problem]] = []
    for path, display in files:
        read = _read(path, display, root)
        found.append(list(read.problems) if isinstance(read, InputError) else read)
    return found


def _shares(files: list[tuple[Path, str]], root: str) -> tuple[list[list[int]], Held]:
    """File indexes for this process (the first share) and for each child, and the files the cache holds."""
    everything: list[list[int]] = [list(range(len(files)))]
    count = min(workers.cores(), len(files), MAX_WORKERS)
    if count < 2:
        return everything, {}
    sizes = [_size(path) for path, _ in files]
    if sum(sizes) < MIN_PARALLEL_BYTES:
        return everything, {}
    held = _held(files, root)
    parse = [i for i in range(len(files)) if i not in held]
    if not parse or sum(sizes[i] for i in parse) < MIN_PARALLEL_BYTES:
        return everything, held
    shares = [[parse[j] for j in group] for group in _share([sizes[i] for i in parse], count)]
    shares[0] = sorted(held.keys() | shares[0])
    return shares, held


def _held(files: list[tuple[Path, str]], root: str) -> Held:
    """The files the parse cache holds (none when it is off)."""
    if not parsecache.enabled():
        return {}
    held: Held = {}
    for i, (path, display) in enumerate(files):
        try:
            raw = file_bytes(path, display, root)
        except InputError:
            continue  # a child meets the same refusal and reports it
        digest = parsecache.key(raw)
        if parsecache.holds(digest):
            held[i] = (raw, digest)
    return held


def _share(sizes: list[int], count: int) -> list[list[int]]:
    """File indexes in ``count`` groups of about equal bytes (largest first into the lightest), each in file order."""
    groups: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        lightest = loads.index(min(loads))
        groups[lightest].append(i)
        loads[lightest] += sizes[i]
    return [sorted(group) for group in groups if group]


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0
