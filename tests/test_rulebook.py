"""Compiling rule files: a malformed rule is a located error, never a skip."""

from __future__ import annotations


import pytest

from imscheck.knowledge.catalogue import load_catalogue
from imscheck.errors import InputError
from imscheck.knowledge.rulebook import compile_rules, load_rules
from imscheck import resources
from imscheck.load.yamlsource import read_yaml_text

RULE = """\
id: TST01
name: test-rule
title: Test rule
decides: ["ISO9001:2015/9.3.2", "ISO27001:2022/9.3.2"]
why: Because.
parameters:
  default: {interval_months: 12}
expect:
  - id: held
    exists:
      review: {type: management_review, standards: {contains: $standard}, date: {on_or_after: as_of - $interval_months months}}
    message: No review for {standard}.
examples:
  pass: [{name: p, as_of: "2025-01-01", ims: {}}]
  fail: [{name: f, as_of: "2025-01-01", ims: {}}]
"""


def compile_text(text: str):
    return compile_rules([read_yaml_text(text, "rule.yaml")], load_catalogue())


def errors(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        compile_text(text)
    return [p.render() for p in caught.value.problems]


def test_the_reference_rule_compiles():
    [rule] = compile_text(RULE)
    assert rule.standards() == ["ISO27001:2022", "ISO9001:2015"]
    assert [e.id for e in rule.expectations] == ["held"]


@pytest.mark.parametrize("old, new, expected", [
    ("type: management_review", "type: management_reveiw", "unknown entity type 'management_reveiw': did you mean 'management_review'?"),
    ("date: {on_or_after", "dat: {on_or_after", "a management_review has no attribute 'dat': did you mean 'date'?"),
    ("as_of - $interval_months months", "as_of - $intervals months", "uses 'intervals', which is not a parameter or an earlier variable"),
    ("as_of - $interval_months months", "last year", "'last year' is not a date"),
    ("No review for {standard}.", "No review for {reviewer}.", "the message uses 'reviewer'"),
    ("ISO9001:2015/9.3.2", "ISO9001:2015/9.9.9", "ISO9001:2015/9.9.9 is not in any catalogue"),
    ("{contains: $standard}", "{includes: $standard}", "'includes' is not allowed: use one of"),
    ("default: {interval_months: 12}", "ISO27001:2022: {interval_months: 12}", "parameter 'interval_months' has no value for ISO9001:2015"),
    ("default: {interval_months: 12}", "default: {interval_months: 12}\n  ISO20000-1:2018: {x: 1}", "parameters for ISO20000-1:2018, but the rule decides no requirement of that standard"),
    ("default: {interval_months: 12}", "default: {interval_months: 12}\n  ISO9001:2015/9.3.2: {x: 1}",
     "parameters for ISO9001:2015/9.3.2, but only a per-requirement rule that decides it can have them"),
    ('pass: [{name: p, as_of: "2025-01-01", ims: {}}]', 'pass: [{name: p, as_of: "2025-01-01", only: ["ISO9001:2015/9.3.1"], ims: {}}]',
     "ISO9001:2015/9.3.1 is not one of the requirements this rule decides: list only those under 'only'"),
])
def test_mistakes_in_a_rule_are_located_errors(old, new, expected):
    assert old in RULE
    found = errors(RULE.replace(old, new, 1))
    assert any(expected in f for f in found), found
    assert all(f.startswith("rule.yaml:") for f in found)


def test_rule_needs_examples():
    found = errors(RULE.split("examples:")[0])
    assert any("'examples' is required here" in f for f in found)


def test_require_can_only_narrow_a_bound_variable():
    text = RULE.replace("""  - id: held
    exists:""", """  - id: each
    for_each:
      review: {type: management_review}
    require:
      review: {type: document}
    message: x
  - id: held
    exists:""")
    assert any("'review' is already bound" in f for f in errors(text))


def test_duplicate_rule_ids_are_refused():
    with pytest.raises(InputError) as caught:
        compile_rules([read_yaml_text(RULE, "a.yaml"), read_yaml_text(RULE, "b.yaml")], load_catalogue())
    assert "rule id TST01 is already used by a.yaml" in caught.value.problems[0].message


def test_a_custom_rule_with_a_builtin_id_replaces_it_and_says_so(tmp_path):
    builtin = resources.data_dir("rules") / "checks"
    first = sorted(builtin.glob("*.yaml"))[0]
    text = first.read_text(encoding="utf-8")
    (tmp_path / "mine.yaml").write_text(text.replace("title: ", "title: Our own ", 1), encoding="utf-8")
    rules, notes = load_rules(load_catalogue(), builtin, [tmp_path])
    rule_id = read_yaml_text(text, "x").data["id"]
    replaced = [r for r in rules if r.id == rule_id]
    assert len(replaced) == 1 and replaced[0].custom and replaced[0].title.startswith("Our own")
    assert notes == [f"custom rule {rule_id} from {tmp_path / 'mine.yaml'} replaces the built-in rule {rule_id}"]
