"""Shared by the engine tests: run engines on the same facts and compare what they found.

Facts are shuffled (with a fixed seed) before each engine sees them: the rule
language's meaning does not depend on the order of facts, so neither may an
engine's answer.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, Callable

from imscheck import api, resources
from imscheck.engines.evaluator import Engine, Outcome
from imscheck.engines.facts import build_facts
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.knowledge.rulebook import Rule, compile_rules, load_rules, read_rule_sources
from imscheck.load.ims import Ims
from imscheck.verdicts.decision import Result, decide

CATALOGUE = load_catalogue()
RULES, _ = load_rules(CATALOGUE, resources.data_dir("rules") / "checks")


def shuffled_outcomes(engine: Engine, ims: Ims, standards: list[str], as_of: dt.date, seed: int,
                      rules: list[Rule] = RULES) -> list[Outcome]:
    facts = build_facts(ims, CATALOGUE)
    rng = random.Random(seed)
    for rows in facts.by_type.values():
        rng.shuffle(rows)
    outcomes = engine.evaluate(rules, facts, standards, as_of)
    return sorted(outcomes, key=lambda o: (o.rule, o.standard, o.requirement or ""))


def results(engines: list[Engine], ims: Ims, standards: list[str], as_of: dt.date, seed: int) -> list[tuple[list[Outcome], Result]]:
    """Per engine: its outcomes (findings with messages, locations, evidence) and the verdicts decided from them."""
    out = []
    for engine in engines:
        outcomes = shuffled_outcomes(engine, ims, standards, as_of, seed)
        out.append((outcomes, decide(ims, CATALOGUE, RULES, outcomes, standards, as_of)))
    return out


def failing_rule_examples(engine: Callable[[], Engine]) -> list[str]:
    """Every example of every built-in rule, run through the example runner with ``engine`` as the default."""
    from imscheck.commands.examples import run_example

    rules = compile_rules(read_rule_sources(resources.data_dir("rules") / "checks"), CATALOGUE)
    original = api.ENGINES["python"]
    api.ENGINES["python"] = engine  # the example runner uses the default engine
    try:
        return [run.id + ": " + "; ".join(run.differences)
                for rule in rules for kind in ("pass", "fail")
                for i in range(len(rule.source.data["examples"][kind]))
                if not (run := run_example(rule, kind, i, CATALOGUE)).ok]
    finally:
        api.ENGINES["python"] = original


def summary(outcomes: list[Outcome]) -> list[Any]:
    return [(o.rule, o.standard, o.requirement, o.violations, o.evidence) for o in outcomes]
