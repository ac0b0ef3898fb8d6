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


RULE_HEAD = """\
id: TWO01
name: two-variables
title: T
decides: ["ISO9001:2015/7.5.3.1"]
why: W
expect:
"""
RULE_TAIL = """\
examples:
  pass:
    - {name: p, as_of: "2025-06-30", ims: {}}
  fail:
    - {name: f, as_of: "2025-06-30", ims: {}}
"""
ONE_DOCUMENT = """\
organisation: {id: acme, name: Acme}
management_systems:
  - {id: qms, standard: "ISO9001:2015", scope: {statement: S}}
roles:
  - {id: r1, name: R, management_systems: [qms]}
documents:
  - {id: d1, title: %s, kind: document, management_systems: [qms], owner: r1}
"""


def _check_both(tmp_path, expectation: str, title: str = "Policy"):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "two.yaml").write_text(RULE_HEAD + expectation + RULE_TAIL, encoding="utf-8")
    (tmp_path / "ims.yaml").write_text(ONE_DOCUMENT % title, encoding="utf-8")
    results = {}
    for engine in ("python", "durable"):
        options = CheckOptions(path=tmp_path / "ims.yaml", as_of=AS_OF, rules_dirs=[tmp_path / "rules"], builtin_rules=False, engine=engine)
        try:
            results[engine] = check_result(options)
        except UsageError as error:
            results[engine] = error
    return results


def test_one_fact_bound_to_two_variables_is_refused_by_durable_not_answered_differently(tmp_path):
    # The default engine lets a and b be the same document; durable-rules never matches one fact twice.
    results = _check_both(tmp_path, """\
  - id: same-owner
    none:
      a: document
      b: {type: document, owner: $a.owner}
    message: "{a} and {b} share an owner"
""")
    python, durable = results["python"], results["durable"]
    assert [v.status for v in python.verdicts if v.requirement == "ISO9001:2015/7.5.3.1"] == ["unmet"]
    assert isinstance(durable, UsageError)
    assert "rule TWO01, expectation same-owner" in str(durable) and "--engine python" in str(durable)


def test_the_same_fact_twice_through_for_each_and_require_is_refused_too(tmp_path):
    results = _check_both(tmp_path, """\
  - id: self
    for_each:
      a: document
    require:
      b: {type: document, owner: $a.owner}
    message: "{a} has no sibling"
""")
    assert [v.status for v in results["python"].verdicts if v.requirement == "ISO9001:2015/7.5.3.1"] == ["met"]
    assert isinstance(results["durable"], UsageError) and "expectation self" in str(results["durable"])


def test_strings_beyond_the_durable_cap_are_refused_not_truncated(tmp_path):
    from imscheck.engines.durable import MAX_STRING

    long_title = "x" * (MAX_STRING + 10)
    results = _check_both(tmp_path, """\
  - id: untitled
    none:
      a: {type: document, title: %s}
    message: "{a} has the forbidden title"
""" % ("x" * MAX_STRING + "y"), title=long_title)
    # The titles differ after the first MiB: the default engine finds no such document (truncation would
    # have found one). Its rule shows no evidence either, so only the no-evidence finding remains.
    verdict = next(v for v in results["python"].verdicts if v.requirement == "ISO9001:2015/7.5.3.1")
    assert [r.code for r in verdict.reasons] == ["TWO01.no-evidence"]
    assert isinstance(results["durable"], UsageError)
    assert "document d1: title holds" in str(results["durable"]) and "--engine python" in str(results["durable"])
