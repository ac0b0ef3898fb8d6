"""The Rego engine and the exported bundle must reach exactly what imscheck's own engine reaches.

Python and Rego (and durable-rules, where installed) evaluate every rule
example, both evidence examples and generated IMS descriptions of several
sizes, with the facts in shuffled order; findings (messages, locations),
evidence and verdicts must be identical. The findings the module derives in
Rego on its own (for OPA and conftest) must be those imscheck builds.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import stat
import textwrap
from pathlib import Path

import pytest

from imscheck.api import CheckOptions, check_result
from imscheck.cli import app
from imscheck.commands.export import facts_json, write_bundle
from imscheck.engines.evaluator import PythonEngine
from imscheck.engines.facts import add_months
from imscheck.errors import UsageError
from imscheck.knowledge.operators import OPERATORS
from imscheck.knowledge.rulebook import compile_rules as compile_rule_files, read_rule_sources
from imscheck.load.ims import load_ims
from tests import synthetic

from .differential import CATALOGUE, RULES, failing_rule_examples, results, shuffled_outcomes, summary
from .golden import AS_OF, examples

try:
    from imscheck.engines import rego
    rego.load()
    AVAILABLE = True
except UsageError:  # pragma: no cover - CI installs the extra
    AVAILABLE = False

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="opa-eval is not installed: pip install '.[rego]'")


def durable_if_installed():
    try:
        from imscheck.engines.durable import DurableEngine, _load
        _load()
        return [DurableEngine()]
    except UsageError:  # pragma: no cover - CI installs the extra
        return []


def evaluate_module(module: str, data: dict, document: dict, query: str, tmp_path: Path):
    import opa_eval

    path = tmp_path / "policy.rego"
    path.write_text(module, encoding="utf-8")
    return opa_eval.OpaEval(str(path), json.dumps(data), query).evaluate_parsed(json.dumps(document))


def rego_findings(rows: list[dict]) -> set[tuple]:
    return {(v["rule"], v["expectation"], v["standard"], v["requirement"], v["entity"], tuple(v["attribute"]), v["msg"]) for v in rows}


def python_findings(outcomes, rego_rows: list[dict]) -> set[tuple]:
    """Python's findings, with the message replaced by its key where the Rego side says it could not print it exactly."""
    keyed = {(v["rule"], v["expectation"], v["standard"], v["requirement"], v["entity"], tuple(v["attribute"]))
             for v in rego_rows if v["msg"] == v["code"]}
    found = set()
    for outcome in outcomes:
        for v in outcome.violations:
            key = (v.rule, v.expectation, outcome.standard, outcome.requirement, v.entity, v.attribute)
            found.add(key + (f"{v.rule}.{v.expectation}" if key in keyed else v.message,))
    return found


@pytest.mark.parametrize("example", examples(), ids=[p.name for p in examples()])
def test_evidence_examples_agree_on_three_engines(example):
    ims = load_ims(example, lambda r: r in CATALOGUE.requirements)
    engines = [PythonEngine(), rego.RegoEngine()] + durable_if_installed()
    (python_outcomes, python), *others = results(engines, ims, sorted(ims.claimed_standards()), AS_OF, seed=1)
    for outcomes, result in others:
        assert summary(outcomes) == summary(python_outcomes)
        assert result.verdicts == python.verdicts
    assert any(o.violations for o in python_outcomes) and any(o.evidence for o in python_outcomes)


@pytest.mark.parametrize("size, seed", [(300, 1), (1500, 2), (4000, 3)])
def test_generated_ims_agree(tmp_path, size, seed):
    synthetic.write(size, tmp_path / "ims", seed=seed)
    ims = load_ims(tmp_path / "ims", lambda r: r in CATALOGUE.requirements)
    (python_outcomes, python), (rego_outcomes, by_rego) = results([PythonEngine(), rego.RegoEngine()], ims, sorted(ims.claimed_standards()),
                                                                   synthetic.AS_OF, seed=seed)
    assert summary(rego_outcomes) == summary(python_outcomes)
    assert by_rego.verdicts == python.verdicts
    if size >= 1500:  # large enough for the generator's deliberate gaps: findings are compared too
        assert any(v.status == "unmet" for v in python.verdicts)


def test_every_rule_example_agrees():
    assert failing_rule_examples(rego.RegoEngine) == []


@pytest.mark.parametrize("example", examples(), ids=[p.name for p in examples()])
def test_findings_derived_in_rego_are_imscheck_findings(example, tmp_path):
    """The exported bundle, run on 'imscheck facts', finds what 'imscheck check' finds."""
    write_bundle([], True, tmp_path / "bundle")
    module = (tmp_path / "bundle" / "imscheck.rego").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "bundle" / "data.json").read_text(encoding="utf-8"))
    document = json.loads(facts_json(example, None, [], AS_OF))
    rows = evaluate_module(module, data, document, "data.imscheck.rules.violation", tmp_path)
    assert evaluate_module(module, data, document, "data.imscheck.rules.deny", tmp_path) == rows
    ims = load_ims(example, lambda r: r in CATALOGUE.requirements)
    outcomes = shuffled_outcomes(PythonEngine(), ims, sorted(ims.claimed_standards()), AS_OF, seed=0)
    assert rego_findings(rows) == python_findings(outcomes, rows)
    exact = [v for v in rows if v["msg"] != v["code"]]
    assert len(exact) > len(rows) * 0.9, "messages should be printed exactly in Rego, not as their keys"


def test_export_is_deterministic_and_a_bundle(tmp_path, capsys):
    from typer.testing import CliRunner

    runner = CliRunner()
    first = runner.invoke(app, ["export", "rego", "--output", str(tmp_path / "a")])
    second = runner.invoke(app, ["export", "rego", "--output", str(tmp_path / "b")])
    assert first.exit_code == second.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == [".manifest", "README.txt", "data.json", "imscheck.rego"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert json.loads((tmp_path / "a" / ".manifest").read_text()) == {"roots": ["imscheck"]}
    assert (tmp_path / "a" / "imscheck.rego").read_text().count("\npackage imscheck.rules\n") == 1
    refused = runner.invoke(app, ["export", "rego", "--no-builtin", "--output", str(tmp_path / "c")])
    assert refused.exit_code == 2 and not (tmp_path / "c").exists()


def test_facts_command_writes_the_input_document(tmp_path):
    from typer.testing import CliRunner

    example = examples()[0]
    result = CliRunner().invoke(app, ["facts", str(example), "--as-of", "2025-11-30", "--output", str(tmp_path / "in.json")])
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "in.json").read_text(encoding="utf-8"))
    assert document["as_of"] == "2025-11-30"
    assert document["standards"] and set(document["standards"]) <= set(document["declared"])
    assert document["facts"]["requirement"] and document["facts"]["document"][0]["file_status"]


# -- the operators, value by value -------------------------------------------------

VALUES = [None, True, False, 0, 1, 2, -3, 1.5, "", "a", "abc", "b", "2025-01-31", "2025-02-01",
          [], [1], [0], ["a"], ["a", "b"], [1, 2], [[1]], {}, {"a": 1}]


def test_every_operator_means_in_rego_what_it_means_in_python(tmp_path):
    rules = "\n".join(
        f"r_{name} := [[i, j] | some i, v in input.values; some j, o in input.values; op_{name}(v, o)]" for name in OPERATORS)
    module = f"package t\n\nimport rego.v1\n{rego.PRELUDE}\n{rules}\n"
    for name, test in OPERATORS.items():
        got = evaluate_module(module, {}, {"values": VALUES}, f"data.t.r_{name}", tmp_path)
        expected = [[i, j] for i, v in enumerate(VALUES) for j, o in enumerate(VALUES) if test(v, o)]
        if name in ("gte", "gt", "lte", "lt"):  # a list compared with a list is refused before a run (see below)
            got = [p for p in got if not isinstance(VALUES[p[0]], list)]
            expected = [p for p in expected if not isinstance(VALUES[p[0]], list)]
        assert sorted(got) == expected, name


def test_calendar_arithmetic_is_imscheck_s(tmp_path):
    days = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2025, 3, 31), dt.date(2023, 12, 31), dt.date(2100, 3, 1), dt.date(2000, 2, 29)]
    shifts = [-25, -13, -12, -1, 0, 1, 11, 12, 13, 24]
    module = f"package t\n\nimport rego.v1\n{rego.PRELUDE}\n" + textwrap.dedent("""
        months := [add_months(d, n) | some d in input.days; some n in input.shifts]
        days := [add_days(d, n) | some d in input.days; some n in input.shifts]
    """)
    document = {"days": [d.isoformat() for d in days], "shifts": shifts}
    assert evaluate_module(module, {}, document, "data.t.months", tmp_path) == [add_months(d, n).isoformat() for d in days for n in shifts]
    assert evaluate_module(module, {}, document, "data.t.days", tmp_path) == [(d + dt.timedelta(days=n)).isoformat() for d in days for n in shifts]
    assert calendar.isleap(2000) and not calendar.isleap(2100)  # both kinds of century are in the list above


# -- what Rego cannot tell apart is refused ------------------------------------------

def custom_rule(tmp_path: Path, condition: str) -> Path:
    """RSK02 (where risk owners are checked since the rule corrections) as an organisation's own
    rule whose 'no-owner' check asks for ``condition`` instead."""
    from imscheck import resources

    text = next((resources.data_dir("rules") / "checks").glob("RSK02-*.yaml")).read_text(encoding="utf-8")
    assert "risk: {owner: {exists: true}}" in text and "id: RSK02" in text
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    (folder / "RSK91.yaml").write_text(text.replace("risk: {owner: {exists: true}}", f"risk: {condition}").replace("id: RSK02", "id: RSK91"),
                                       encoding="utf-8")
    return folder


def test_a_decimal_whole_number_in_a_rule_is_refused_naming_the_rule(tmp_path):
    rules = compile_rule_files(read_rule_sources(custom_rule(tmp_path, "{likelihood: 1.0}")), CATALOGUE, custom=True)
    with pytest.raises(UsageError, match=r"rule RSK91, expectation no-owner: .*1\.0"):
        rego.compile_rules(rules)
    assert rego.compile_rules(compile_rule_files(read_rule_sources(custom_rule(tmp_path / "ok", "{likelihood: 1.5}")), CATALOGUE, custom=True))


def test_a_decimal_whole_number_in_the_facts_is_refused_with_exit_2(tmp_path):
    example = examples()[0]
    ims = load_ims(example, lambda r: r in CATALOGUE.requirements)
    from imscheck.engines.facts import build_facts

    facts = build_facts(ims, CATALOGUE)
    facts.by_type["risk"][0]["likelihood"] = 2.0
    with pytest.raises(UsageError, match=r"risk .*'likelihood' holds the whole number 2\.0"):
        rego.RegoEngine().evaluate(RULES, facts, sorted(ims.claimed_standards()), AS_OF)


def test_without_the_extra_one_clear_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "opa_eval", None)
    with pytest.raises(UsageError, match=r"^--engine rego needs the rego extra: pip install 'imscheck\[rego\]'$"):
        check_result(CheckOptions(path=examples()[0], as_of=AS_OF, engine="rego"))


def test_check_runs_with_the_rego_engine_end_to_end():
    example = examples()[0]
    python = check_result(CheckOptions(path=example, as_of=AS_OF))
    by_rego = check_result(CheckOptions(path=example, as_of=AS_OF, engine="rego"))
    assert python.verdicts == by_rego.verdicts and python.findings == by_rego.findings


def test_the_bundle_is_written_as_one_set_readable_by_others(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "README.txt").mkdir(parents=True)  # one file of the set cannot be written
    from typer.testing import CliRunner

    refused = CliRunner().invoke(app, ["export", "rego", "--output", str(bundle)])
    assert refused.exit_code == 2 and "README.txt: it is a folder" in refused.stderr
    assert sorted(p.name for p in bundle.iterdir()) == ["README.txt"]  # nothing else written, no temporaries
    (bundle / "README.txt").rmdir()
    previous = os.umask(0o077)
    try:
        assert CliRunner().invoke(app, ["export", "rego", "--output", str(bundle)]).exit_code == 0
    finally:
        os.umask(previous)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in bundle.iterdir()} == {
        ".manifest": 0o644, "README.txt": 0o644, "data.json": 0o644, "imscheck.rego": 0o644}
