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
from ..containment import Refusal, read_regular_file
from ..errors import InputError, Problem
from . import parsecache
from .yamlsource import MAX_FILE_BYTES, YamlSource, read_yaml_file

# Below this much YAML to parse, starting a process costs more than it saves.
MIN_PARALLEL_BYTES = 1_000_000
MAX_WORKERS = 8

Read = YamlSource | InputError


def read_yaml_files(files: list[tuple[Path, str]], root: str,
                    progress: Callable[[int, int], None] | None = None) -> list[Read]:
    """Each ``(path, display)`` read like :func:`read_yaml_file`: its source, or the InputError it raised."""
    total = len(files)
    shares = _shares(files, root)
    children = [(share, workers.Worker(_read_share, [files[i] for i in share], root)) for share in shares[1:]]
    results: list[Read | None] = [None] * total
    done = 0
    for i in shares[0]:
        done += 1
        if progress is not None:
            progress(done, total)
        results[i] = _read(*files[i], root)
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


def _read(path: Path, display: str, root: str) -> Read:
    try:
        return read_yaml_file(path, display, root)
    except InputError as error:
        return error


def _read_share(files: list[tuple[Path, str]], root: str) -> list[YamlSource | list[Problem]]:
    found: list[YamlSource | list[Problem]] = []
    for path, display in files:
        read = _read(path, display, root)
        found.append(list(read.problems) if isinstance(read, InputError) else read)
    return found


def _shares(files: list[tuple[Path, str]], root: str) -> list[list[int]]:
    """File indexes for this process (the first share) and for each child."""
    everything = [list(range(len(files)))]
    count = min(workers.cores(), len(files), MAX_WORKERS)
    if count < 2:
        return everything
    sizes = [_size(path) for path, _ in files]
    if sum(sizes) < MIN_PARALLEL_BYTES:
        return everything
    parse = [i for i in range(len(files)) if not _cached(*files[i], root)]
    if not parse or sum(sizes[i] for i in parse) < MIN_PARALLEL_BYTES:
        return everything
    shares = [[parse[j] for j in group] for group in _share([sizes[i] for i in parse], count)]
    shares[0] = sorted(set(range(len(files))).difference(parse).union(shares[0]))
    return shares


def _cached(path: Path, display: str, root: str) -> bool:
    """Whether the parse cache holds this file (a file that cannot be read counts as held: it is read here)."""
    if not parsecache.enabled():
        return False
    try:
        raw = read_regular_file(path, root, MAX_FILE_BYTES)
    except Refusal:
        return True
    return parsecache.holds(parsecache.key(raw))


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
