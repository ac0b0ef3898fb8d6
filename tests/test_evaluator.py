"""The Python engine: operator semantics, joins through indexes, negation, date arithmetic."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from imscheck.knowledge.catalogue import load_catalogue
from imscheck.engines.evaluator import PythonEngine
from imscheck.engines.facts import Facts, add_months
from imscheck.knowledge.operators import OPERATORS
from imscheck.knowledge.rulebook import compile_rules
from imscheck.load.yamlsource import read_yaml_text

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("day, months, expected", [
    ("2025-01-31", 1, "2025-02-28"), ("2024-01-31", 1, "2024-02-29"), ("2025-03-31", -1, "2025-02-28"),
    ("2025-06-30", -12, "2024-06-30"), ("2025-12-15", 1, "2026-01-15"), ("2025-01-15", -13, "2023-12-15"),
])
def test_calendar_months(day, months, expected):
    assert add_months(dt.date.fromisoformat(day), months).isoformat() == expected


@pytest.mark.parametrize("name", sorted(OPERATORS))
def test_a_missing_attribute_matches_nothing_but_exists_false(name):
    operand = {"in": [1], "not_in": [1], "exists": False}.get(name, 1)
    assert OPERATORS[name](None, operand) is (name == "exists")


def test_equality_does_not_confuse_booleans_and_numbers():
    assert not OPERATORS["equals"](True, 1) and not OPERATORS["equals"](1, True)
    assert OPERATORS["equals"](True, True) and OPERATORS["not_equals"](1, True)


def test_comparisons_across_types_are_false_not_errors():
    assert not OPERATORS["gte"]("10", 5) and not OPERATORS["before"](5, "2025-01-01")


def rule(expect: str, parameters: str = "default: {}") -> object:
    text = f"""\
id: TST09
name: t
title: t
decides: ["ISO9001:2015/7.2"]
why: t
parameters:
  {parameters}
expect:
{expect}
examples:
  pass: [{{name: p, as_of: "2025-01-01", ims: {{}}}}]
  fail: [{{name: f, as_of: "2025-01-01", ims: {{}}}}]
"""
    [compiled] = compile_rules([read_yaml_text(text, "t.yaml")], CATALOGUE)
    return compiled


def facts(**types: list[dict]) -> Facts:
    result = Facts()
    for type_name, rows in types.items():
        for row in rows:
            row.setdefault("type", type_name)
            row.setdefault("standards", ["ISO9001:2015"])
            result.by_id[row["id"]] = row
        result.by_type[type_name] = sorted(rows, key=lambda r: r["id"])
    return result


def run(compiled, data: Facts, as_of: str = "2025-06-30"):
    [outcome] = PythonEngine().evaluate([compiled], data, ["ISO9001:2015"], dt.date.fromisoformat(as_of))
    return outcome


EACH_ROLE_HAS_RECORD = """\
  - id: record
    for_each:
      role: {type: role, standards: {contains: $standard}}
    require:
      record: {type: competence_record, role: $role, assessed_on: {on_or_after: as_of - 3 years}}
    message: Role {role.name} has no competence record since three years.
"""


def test_for_each_require_is_a_join_with_negation():
    data = facts(role=[{"id": "r1", "name": "Engineer"}, {"id": "r2", "name": "Auditor"}],
                 competence_record=[{"id": "c1", "role": "r1", "assessed_on": "2023-01-01"},
                                    {"id": "c2", "role": "r2", "assessed_on": "2022-06-29"}])
    outcome = run(rule(EACH_ROLE_HAS_RECORD), data)
    assert [(v.entity, v.message) for v in outcome.violations] == [("r2", "Role Auditor has no competence record since three years.")]


def test_met_outcome_lists_anchor_and_witness_as_evidence():
    data = facts(role=[{"id": "r1", "name": "Engineer"}], competence_record=[{"id": "c1", "role": "r1", "assessed_on": "2025-01-01"}])
    outcome = run(rule(EACH_ROLE_HAS_RECORD), data)
    assert outcome.violations == () and outcome.evidence == ("c1", "r1")


def test_none_reports_every_answer():
    text = """\
  - id: overdue
    none:
      doc: {type: document, review_due: {before: as_of}}
    at: doc.review_due
    message: Document {doc.id} was due for review on {doc.review_due}.
"""
    data = facts(document=[{"id": "d1", "review_due": "2025-01-01"}, {"id": "d2", "review_due": "2026-01-01"}, {"id": "d3"}])
    outcome = run(rule(text), data)
    assert [(v.entity, v.attribute, v.message) for v in outcome.violations] == [("d1", ("review_due",), "Document d1 was due for review on 2025-01-01.")]


def test_value_bindings_and_only_if():
    text = """\
  - id: any
    exists:
      review: {type: management_review}
    message: No review at all.
  - id: input
    only_if: [any]
    for_each:
      input: {value_in: $inputs}
    require:
      review: {type: management_review, inputs: {contains: $input}}
    message: Missing {input}.
"""
    compiled = rule(text, "default: {inputs: [a, b, c]}")
    assert [v.message for v in run(compiled, facts(management_review=[])).violations] == ["No review at all."]
    data = facts(management_review=[{"id": "m1", "inputs": ["a"]}, {"id": "m2", "inputs": ["c", "a"]}])
    assert [v.message for v in run(compiled, data).violations] == ["Missing b."]


def test_indexed_joins_agree_with_brute_force():
    rng = random.Random(7)
    roles = [{"id": f"r{i}", "name": f"R{i}"} for i in range(200)]
    records = [{"id": f"c{i}", "role": f"r{rng.randrange(260)}", "assessed_on": f"20{rng.randrange(18, 26)}-0{rng.randrange(1, 10)}-15"}
               for i in range(300)]
    outcome = run(rule(EACH_ROLE_HAS_RECORD), facts(role=roles, competence_record=records))
    fresh = {c["role"] for c in records if c["assessed_on"] >= "2022-06-30"}
    assert sorted(v.entity for v in outcome.violations) == sorted(r["id"] for r in roles if r["id"] not in fresh)


def test_a_finding_about_a_catalogue_requirement_points_at_the_management_system(tmp_path):
    """Requirements are facts from the catalogue, not the IMS: the finding must still have a place."""
    from imscheck.api import evaluate
    from imscheck.load.ims import build_ims

    text = """\
id: TST08
name: t
title: t
decides: ["ISO27001:2022/6.1.3"]
why: t
expect:
  - id: missing
    for_each: {control: {type: requirement, standard: $standard, annex: A}}
    require: {entry: {type: soa_entry, control: $control}}
    message: "{control} has no SoA entry"
examples:
  pass: [{name: p, as_of: "2025-01-01", ims: {}}]
  fail: [{name: f, as_of: "2025-01-01", ims: {}}]
"""
    [compiled] = compile_rules([read_yaml_text(text, "t.yaml")], CATALOGUE)
    ims = build_ims([read_yaml_text("management_systems: [{id: isms, standard: 'ISO27001:2022', scope: {statement: x}}]\n", "ims.yaml")],
                    lambda r: r in CATALOGUE.requirements, tmp_path)
    result = evaluate(ims, CATALOGUE, [compiled], ["ISO27001:2022"], dt.date(2025, 1, 1))
    [verdict] = [v for v in result.verdicts if v.requirement == "ISO27001:2022/6.1.3"]
    assert len(verdict.reasons) == 93
    assert {(r.file, r.line, r.pointer) for r in verdict.reasons} == {("ims.yaml", 1, "/management_systems/0")}
    assert verdict.reasons[0].message == "ISO27001:2022/A.5.1 has no SoA entry"


def test_a_per_requirement_rule_decides_each_requirement_on_its_own(tmp_path):
    from imscheck.api import evaluate
    from imscheck.load.ims import build_ims

    text = """\
id: TST07
name: t
title: t
decides: ["ISO9001:2015/4.3", "ISO9001:2015/5.2.1"]
why: t
per_requirement: true
expect:
  - id: no-document
    exists:
      doc: {type: document, requirements: {contains: $requirement}, status: approved}
    message: "No approved document serves {requirement} for {standard}."
examples:
  pass: [{name: p, as_of: "2025-01-01", ims: {}}]
  fail: [{name: f, as_of: "2025-01-01", ims: {}}]
"""
    [compiled] = compile_rules([read_yaml_text(text, "t.yaml")], CATALOGUE)
    ims_text = """\
management_systems: [{id: qms, standard: 'ISO9001:2015', scope: {statement: x}}]
documents: [{id: scope-doc, title: Scope, kind: document, management_systems: [qms], status: approved, requirements: ['ISO9001:2015/4.3']}]
"""
    ims = build_ims([read_yaml_text(ims_text, "ims.yaml")], lambda r: r in CATALOGUE.requirements, tmp_path)
    by_id = {v.requirement: v for v in evaluate(ims, CATALOGUE, [compiled], ["ISO9001:2015"], dt.date(2025, 1, 1)).verdicts}
    assert by_id["ISO9001:2015/4.3"].status == "met" and by_id["ISO9001:2015/4.3"].evidence == ("scope-doc",)
    assert [r.message for r in by_id["ISO9001:2015/5.2.1"].reasons] == ["No approved document serves ISO9001:2015/5.2.1 for ISO9001:2015."]


def test_requirement_is_bound_only_in_per_requirement_rules():
    from imscheck.errors import InputError
    text = """\
id: TST06
name: t
title: t
decides: ["ISO9001:2015/4.3"]
why: t
expect:
  - id: x
    exists: {doc: {type: document, requirements: {contains: $requirement}}}
    message: m
examples:
  pass: [{name: p, as_of: "2025-01-01", ims: {}}]
  fail: [{name: f, as_of: "2025-01-01", ims: {}}]
"""
    with pytest.raises(InputError) as caught:
        compile_rules([read_yaml_text(text, "t.yaml")], CATALOGUE)
    assert "only bound in a rule with 'per_requirement: true'" in caught.value.problems[0].message


_VALUES = [None, True, False, 0, 1, 1.0, 2, -3, float("nan"), "", "1", "a", "2025-01-01", "2026-12-31", [], [1], [True], ["a", "b"],
           ["a", ["b"]], [None], {}, {"x": 1}]


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_compiled_conditions_answer_as_the_operator_table_does(operator):
    # The evaluator writes the common operators out as functions of the fact; every answer must
    # be the table's, over values of every type (a missing attribute, lists, NaN, bool against int).
    from imscheck.engines.evaluator import _constant_test, _joined_test
    from imscheck.knowledge.rulebook import Ref

    for value in _VALUES + ["missing"]:
        fact = {"id": "f"} if value == "missing" else {"id": "f", "a": value, "n": {"a": value}}
        for operand in _VALUES + [["a", 1], ["x"], "a"]:
            for attribute in ("a", "n.a"):
                expected = bool(OPERATORS[operator](fact.get("a") if attribute == "a" else (fact.get("n") or {}).get("a"), operand))
                assert bool(_constant_test(attribute, operator, operand)(fact)) is expected, (operator, attribute, value, operand)
                env = {"other": {"id": "o", "v": operand}, "value": operand}
                assert bool(_joined_test(attribute, operator, Ref("other", "v"))(fact, env)) is expected, (operator, value, operand)
                if not isinstance(operand, dict):
                    assert bool(_joined_test(attribute, operator, Ref("value", None))(fact, env)) is expected, (operator, value, operand)
