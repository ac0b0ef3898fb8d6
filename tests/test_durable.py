"""The durable-rules engine must reach exactly the verdicts of the default engine.

Both engines evaluate every rule example, both evidence examples and generated
IMS descriptions of several sizes, with the facts in shuffled order; verdicts,
reasons, locations and evidence lists must be identical.
"""

from __future__ import annotations

import pytest

from tests import synthetic
from imscheck.api import CheckOptions, check_result
from imscheck.errors import UsageError
from imscheck.engines.evaluator import PythonEngine
from imscheck.load.ims import load_ims

from .differential import CATALOGUE, failing_rule_examples, results
from .golden import AS_OF, examples

try:
    from imscheck.engines.durable import DurableEngine, _load, fnv1a_32
    _load()
    AVAILABLE = True
except UsageError as error:  # pragma: no cover - CI installs the extra
    AVAILABLE, REASON = False, str(error)

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="durable-rules is not installed: pip install '.[durable]'")


def both(ims, standards, as_of, seed):
    return [result for _, result in results([PythonEngine(), DurableEngine()], ims, standards, as_of, seed)]


@pytest.mark.parametrize("example", examples(), ids=[p.name for p in examples()])
def test_evidence_examples_agree(example):
    ims = load_ims(example, lambda r: r in CATALOGUE.requirements)
    python, durable = both(ims, sorted(ims.claimed_standards()), AS_OF, seed=1)
    assert python.verdicts == durable.verdicts


@pytest.mark.parametrize("size, seed", [(300, 1), (1500, 2), (4000, 3)])
def test_generated_ims_agree(tmp_path, size, seed):
    synthetic.write(size, tmp_path / "ims", seed=seed)
    ims = load_ims(tmp_path / "ims", lambda r: r in CATALOGUE.requirements)
    python, durable = both(ims, sorted(ims.claimed_standards()), synthetic.AS_OF, seed=seed)
    assert python.verdicts == durable.verdicts
    if size >= 1500:  # large enough for the generator's deliberate gaps: findings are compared too
        assert any(v.status == "unmet" for v in python.verdicts)


def test_every_rule_example_agrees():
    assert failing_rule_examples(PythonEngine) == []
    assert failing_rule_examples(DurableEngine) == []


def test_check_runs_with_the_durable_engine_end_to_end():
    example = examples()[0]
    python = check_result(CheckOptions(path=example, as_of=AS_OF))
    durable = check_result(CheckOptions(path=example, as_of=AS_OF, engine="durable"))
    assert python.verdicts == durable.verdicts


def test_identity_hash_matches_the_engine():
    # FNV-1a 32-bit reference values
    assert fnv1a_32("") == 0x811C9DC5
    assert fnv1a_32("a") == 0xE40C292C


def test_a_crash_inside_durable_rules_is_a_clear_error_not_a_dead_process(monkeypatch):
    import os
    from imscheck.engines import durable as durable_engine

    monkeypatch.setattr(durable_engine, "_in_process", lambda *args: os._exit(139))
    with pytest.raises(UsageError, match=r"durable-rules stopped abnormally \(exit 139\)"):
        check_result(CheckOptions(path=examples()[0], as_of=AS_OF, engine="durable"))
