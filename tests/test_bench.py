"""The benchmark's in-process phases still run against today's library (they call its parts directly)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from . import synthetic

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py"


def test_the_benchmark_times_every_phase_of_a_check(tmp_path, monkeypatch):
    from imscheck.load import parsecache

    monkeypatch.setitem(parsecache._state, "enabled", parsecache._state["enabled"])  # the phases turn the cache off
    spec = importlib.util.spec_from_file_location("imscheck_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    synthetic.write(200, tmp_path, seed=1, files=2)
    timings = bench.check_phases(tmp_path, "python")
    assert set(timings) == set(bench.PHASES) and all(seconds >= 0 for seconds in timings.values())
