"""Catalogue integrity: ids, counts, harmonized-structure links, correlation ends."""

from __future__ import annotations

import json
from collections import Counter

from imscheck import resources
from imscheck.knowledge.catalogue import RELATIONS, clause_key, load_catalogue
from imscheck.knowledge.operators import OPERATORS

CATALOGUE = load_catalogue()


def test_current_standards_have_clauses_4_to_10():
    for standard in ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022"):
        clauses = {r.clause for r in CATALOGUE.of_standard(standard)}
        assert {"4.1", "4.2", "4.3", "5.2", "6.2", "7.5", "9.2", "9.3", "10.2"} <= clauses, standard
        assert {c.split(".")[0] for c in clauses if not c.startswith("A.")} == {str(n) for n in range(4, 11)}


def test_annex_a_2022_has_93_controls_in_four_themes():
    controls = [r for r in CATALOGUE.of_standard("ISO27001:2022") if r.annex == "A"]
    assert len(controls) == 93
    assert Counter(r.theme for r in controls) == {"organizational": 37, "people": 8, "physical": 14, "technological": 34}
    assert all(r.excludable for r in controls)


def test_clauses_4_to_10_of_27001_and_20000_can_never_be_excluded():
    for standard in ("ISO27001:2022", "ISO20000-1:2018"):
        assert not [r.id for r in CATALOGUE.of_standard(standard) if r.annex is None and r.excludable]


def test_amendment_1_2024_is_marked_on_4_1_and_4_2():
    for standard in ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022"):
        marked = sorted(r.clause for r in CATALOGUE.of_standard(standard) if r.amendment)
        assert marked == ["4.1", "4.2"], standard


def test_summaries_are_short_own_words_not_empty():
    for requirement in CATALOGUE.requirements.values():
        assert 10 <= len(requirement.summary) <= 200, requirement.id


def test_every_correlation_end_exists_and_relations_are_known():
    assert CATALOGUE.correlations
    for correlation in CATALOGUE.correlations:
        assert correlation.source in CATALOGUE.requirements and correlation.target in CATALOGUE.requirements
        assert correlation.relation in RELATIONS
        assert correlation.source.split("/")[0] != correlation.target.split("/")[0]
        assert correlation.relation == "equal" or correlation.note, correlation


def test_clause_order_is_natural():
    assert sorted(["10.1", "9.3", "A.5.19", "A.5.2", "4.4.1"], key=clause_key) == ["4.4.1", "9.3", "10.1", "A.5.2", "A.5.19"]


def test_rule_schema_lists_exactly_the_registered_operators():
    schema = resources.schema("rule.schema.json")
    listed = schema["$defs"]["condition"]["then"]["propertyNames"]["enum"]
    assert sorted(listed) == sorted(OPERATORS)


def test_schemas_are_valid_json_schema():
    from jsonschema import Draft202012Validator
    for name in ("ims.schema.json", "rule.schema.json", "catalogue.schema.json", "correlations.schema.json"):
        Draft202012Validator.check_schema(json.loads((resources.data_dir("schemas") / name).read_text()))


def test_27001_2013_has_114_controls_in_14_groups():
    controls = [r for r in CATALOGUE.of_standard("ISO27001:2013") if r.annex == "A"]
    groups = Counter(r.clause.split(".")[1] for r in controls)
    assert len(controls) == 114
    assert groups == {"5": 2, "6": 7, "7": 6, "8": 10, "9": 14, "10": 2, "11": 15, "12": 14, "13": 7,
                      "14": 13, "15": 5, "16": 7, "17": 4, "18": 8}


def test_the_2013_to_2022_migration_covers_every_old_and_every_new_control():
    rows = [c for c in CATALOGUE.correlations if c.source.startswith("ISO27001:2013/A.") and c.target.startswith("ISO27001:2022/A.")]
    old = {r.id for r in CATALOGUE.of_standard("ISO27001:2013") if r.annex == "A"}
    new = {r.id for r in CATALOGUE.of_standard("ISO27001:2022") if r.annex == "A"}
    assert {c.source for c in rows} == old
    reached = {c.target for c in rows}
    introduced = {r for r in CATALOGUE.without_counterpart if r.startswith("ISO27001:2022/A.")}
    assert len(introduced) == 11 and not reached & introduced
    assert reached | introduced == new


def test_every_correlation_file_names_its_basis():
    for correlation in CATALOGUE.correlations:
        assert correlation.basis, correlation


def test_all_six_editions_are_catalogued():
    assert CATALOGUE.standards() == ["ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022", "ISO27001:2013", "ISO9001:2008", "ISO20000-1:2011"]
    top_levels = {s: {r.clause.split(".")[0] for r in CATALOGUE.of_standard(s) if r.annex is None} for s in CATALOGUE.standards()}
    assert top_levels["ISO9001:2008"] == {"4", "5", "6", "7", "8"}
    assert top_levels["ISO20000-1:2011"] == {"4", "5", "6", "7", "8", "9"}


def test_withdrawn_editions_lead_to_their_successors():
    for old, new in (("ISO9001:2008", "ISO9001:2015"), ("ISO20000-1:2011", "ISO20000-1:2018"), ("ISO27001:2013", "ISO27001:2022")):
        clauses = {r.id for r in CATALOGUE.of_standard(old) if r.annex is None}
        mapped = {c.source for c in CATALOGUE.correlations if c.source in clauses and c.target.startswith(new + "/")}
        assert mapped == clauses, f"{old} clauses without a successor row: {sorted(clauses - mapped)}"


def test_tr90006_pair_is_correlated():
    rows = [c for c in CATALOGUE.correlations if c.source.startswith("ISO9001:2008/") and c.target.startswith("ISO20000-1:2011/")]
    assert len(rows) >= 40
    assert any(c.source == "ISO9001:2008/7.4.1" for c in rows)
