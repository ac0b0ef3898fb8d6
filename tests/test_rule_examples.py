"""Every example in every built-in rule file, run exactly as written (one test each)."""

from __future__ import annotations

import pytest

from imscheck import resources
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.commands.examples import run_example
from imscheck.knowledge.rulebook import compile_rules, read_rule_sources

CATALOGUE = load_catalogue()
RULES = compile_rules(read_rule_sources(resources.data_dir("rules") / "checks"), CATALOGUE)
CASES = [(rule, kind, index) for rule in RULES for kind in ("pass", "fail")
         for index in range(len(rule.source.data["examples"][kind]))]


@pytest.mark.parametrize("rule, kind, index", CASES,
                         ids=[f"{r.id}::{k}::{r.source.data['examples'][k][i]['name']}" for r, k, i in CASES])
def test_rule_example(rule, kind, index):
    run = run_example(rule, kind, index, CATALOGUE)
    assert run.ok, f"{run.file}:{run.line}: " + "\n".join(run.differences)


def test_there_are_rules_for_all_three_current_standards():
    decided = {rid.split("/")[0] for rule in RULES for rid in rule.decides}
    assert {"ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022"} <= decided


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_expectation_has_a_failing_example(rule):
    """A check that no example makes fail is a check nobody has seen work."""
    exercised = {reason["code"] for example in rule.source.data["examples"]["fail"]
                 for verdict in example.get("expect", []) for reason in verdict.get("reasons", [])}
    missing = [e.id for e in rule.expectations if e.id not in exercised]
    assert not missing, f"{rule.source.file}: no fail example exercises {missing}"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_decided_standard_has_a_passing_example(rule):
    passing = set()
    for example in rule.source.data["examples"]["pass"]:
        passing |= {ms["standard"] for ms in example["ims"].get("management_systems", [])}
    missing = [s for s in rule.standards() if s not in passing]
    assert not missing, f"{rule.source.file}: no pass example claims {missing}"
