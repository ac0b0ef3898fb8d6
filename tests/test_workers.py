"""Forked workers and what uses them: the same result as doing the work in turn, whatever a child does."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from imscheck import workers
from imscheck.errors import InputError
from imscheck.load import parallel as parallel_reading

from . import synthetic

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork, on Linux only")


def _die() -> None:
    os._exit(3)


def _unpicklable():
    return lambda: None


def _raise() -> None:
    raise ValueError("in the child")


def test_a_worker_returns_its_result():
    assert workers.Worker(sorted, [3, 1, 2]).result() == [1, 2, 3]


@pytest.mark.parametrize("function", [_die, _unpicklable, _raise])
def test_a_worker_that_fails_in_any_way_says_so(function):
    assert workers.Worker(function).result() is workers.FAILED


class _FailingWorker:
    def __init__(self, *args):
        pass

    def result(self):
        return workers.FAILED


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ims")
    synthetic.write(1500, folder, seed=3, files=5)
    return folder


def _files(folder: Path) -> list[tuple[Path, str]]:
    paths = sorted((folder / "ims").glob("*.yaml"))
    return [(path, path.name) for path in paths]


def _summary(results):
    return [(r.problems if isinstance(r, InputError) else (r.file, r.data, r.locate(("documents", 3, "id")))) for r in results]


@pytest.mark.parametrize("worker", [workers.Worker, _FailingWorker])
def test_files_read_in_parallel_are_what_reading_them_in_turn_gives(generated, tmp_path, monkeypatch, worker):
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n", encoding="utf-8")
    (tmp_path / "duplicate.yaml").write_text("a: 1\na: 2\n", encoding="utf-8")
    files = _files(generated) + [(tmp_path / "broken.yaml", "broken.yaml"), (tmp_path / "duplicate.yaml", "duplicate.yaml")]
    root = "/"
    in_turn = _summary(parallel_reading.read_yaml_files(files, root))  # under the size threshold: one process
    monkeypatch.setattr(parallel_reading, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    monkeypatch.setattr(workers, "Worker", worker)
    seen = []
    assert _summary(parallel_reading.read_yaml_files(files, root, lambda done, total: seen.append((done, total)))) == in_turn
    assert seen == [(i, len(files)) for i in range(1, len(files) + 1)]


def test_files_the_parse_cache_holds_are_read_here_and_the_rest_shared(generated, tmp_path, monkeypatch):
    from imscheck.load import parsecache

    monkeypatch.setenv("IMSCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(parsecache._state, "enabled", True)
    monkeypatch.setattr(parallel_reading, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(workers, "cores", lambda: 2)
    files = _files(generated)

    def shares():
        return parallel_reading._shares(files, "/")[0]

    assert sorted(i for share in shares() for i in share) == list(range(len(files)))
    assert len(shares()) == 2
    parallel_reading.read_yaml_files(files[:2], "/")  # now held by the cache
    assert {0, 1} <= set(shares()[0]) and all(i >= 2 for share in shares()[1:] for i in share)
    assert set(parallel_reading._shares(files, "/")[1]) == {0, 1}  # their bytes, read once, go with them
    parallel_reading.read_yaml_files(files, "/")
    assert shares() == [list(range(len(files)))]  # nothing left to parse


def test_no_child_is_forked_while_other_threads_run(monkeypatch):
    assert workers.cores() >= 1
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert workers.cores() == 1
    finally:
        release.set()
        other.join()


def test_a_child_that_cannot_be_started_leaves_the_work_to_the_caller(monkeypatch):
    import multiprocessing.process

    def refuse(self):
        raise OSError("no more processes")

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    assert workers.Worker(sorted, [2, 1]).result() is workers.FAILED
