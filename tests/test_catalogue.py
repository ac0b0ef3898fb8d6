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


def _relation(a: str, b: str) -> str | None:
    """The relation of ``a`` to ``b`` as the catalogue reads it, whichever way the row is written."""
    return dict(CATALOGUE.correlated(a)).get(b)


def test_relation_direction_follows_the_schema_subset_means_from_asks_for_less():
    # Written in the data as ISO9001:2015/4.1 superset ISO20000-1:2018/4.1 (9001 also wants monitoring).
    assert _relation("ISO9001:2015/4.1", "ISO20000-1:2018/4.1") == "superset"
    assert _relation("ISO20000-1:2018/4.1", "ISO9001:2015/4.1") == "subset"


def test_9001_monitoring_is_a_subset_of_27001_and_20000_monitoring():
    # 27001 9.1 adds who monitors and who analyses; 20000-1 9.1 adds the services; 9001 9.1.1 adds nothing.
    assert _relation("ISO9001:2015/9.1.1", "ISO27001:2022/9.1") == "subset"
    assert _relation("ISO9001:2015/9.1.1", "ISO20000-1:2018/9.1") == "subset"
    assert _relation("ISO27001:2022/9.1", "ISO9001:2015/9.1.1") == "superset"


def test_equal_rows_never_join_a_20000_requirement_that_extends_to_the_services():
    """20000-1 applies some common clauses to "the SMS and the services"; such a clause asks for more
    than its 9001 or 27001 twin, so an `equal` row to it contradicts its own summary."""
    import re
    for c in CATALOGUE.correlations:
        ends = {c.source.split("/")[0], c.target.split("/")[0]}
        if c.relation != "equal" or "ISO20000-1:2018" not in ends or ends == {"ISO20000-1:2018"}:
            continue
        mine = c.source if c.source.startswith("ISO20000-1:2018/") else c.target
        assert not re.search(r"\bservices\b", CATALOGUE.requirements[mine].summary), (c, CATALOGUE.requirements[mine].summary)


def test_competence_and_communication_of_20000_stay_with_the_sms():
    for clause in ("7.2", "7.4"):
        summary = CATALOGUE.requirements[f"ISO20000-1:2018/{clause}"].summary
        assert "services" not in summary, summary
        assert _relation(f"ISO20000-1:2018/{clause}", f"ISO27001:2022/{clause}") == "equal"
    assert _relation("ISO9001:2015/7.2", "ISO20000-1:2018/7.2") == "equal"
    # 9001 7.4 also asks who communicates; 20000-1 7.4 does not, and neither names the services.
    assert _relation("ISO9001:2015/7.4", "ISO20000-1:2018/7.4") == "superset"
    note = next(c.note for c in CATALOGUE.correlations if (c.source, c.target) == ("ISO9001:2015/7.4", "ISO20000-1:2018/7.4"))
    assert "who communicates" in note


def test_capacity_management_and_a_8_6_only_overlap():
    assert _relation("ISO20000-1:2018/8.4.3", "ISO27001:2022/A.8.6") == "intersect"


def test_an_equal_row_has_no_note_saying_what_differs():
    """`equal` means the same requirement: a note on such a row may say what stayed (or that only the
    informative examples moved), not that one side adds, drops or ties in a requirement (which is what
    the 2011 4.4.1 to 2018 7.1 row said)."""
    import re
    differs = re.compile(r"\b(2008|2011|2013|2015|2018|2022|9001|20000-1|27001) (also )?(adds?|drops?|ties|wants|asks)\b")
    for c in CATALOGUE.correlations:
        if c.relation == "equal" and c.note:
            assert not differs.search(c.note), c
    assert _relation("ISO20000-1:2011/4.4.1", "ISO20000-1:2018/7.1") == "intersect"


def test_harmonized_structure_pairs_for_audit_purpose_review_outputs_and_risk_assessment():
    assert _relation("ISO9001:2015/9.2.1", "ISO20000-1:2018/9.2") == "subset"
    assert _relation("ISO20000-1:2018/9.2", "ISO27001:2022/9.2.1") == "superset"
    assert _relation("ISO9001:2015/9.3.3", "ISO20000-1:2018/9.3") == "intersect"
    assert _relation("ISO20000-1:2018/9.3", "ISO27001:2022/9.3.3") == "superset"
    assert _relation("ISO20000-1:2018/6.1", "ISO27001:2022/6.1.2") == "intersect"


def test_every_harmonized_sub_clause_of_9_2_and_9_3_meets_its_counterpart():
    """Each 9.2.x and 9.3.x of one current standard is linked to the other's clause, whichever level it has."""
    for a, b in (("ISO9001:2015", "ISO20000-1:2018"), ("ISO20000-1:2018", "ISO27001:2022"), ("ISO9001:2015", "ISO27001:2022")):
        for requirement in CATALOGUE.of_standard(a):
            if requirement.clause.startswith(("9.2.", "9.3.")) or (requirement.clause in ("9.2", "9.3") and not CATALOGUE.children(requirement.id)):
                linked = [other for other, _ in CATALOGUE.correlated(requirement.id) if other.startswith(b + "/")]
                assert linked, f"{requirement.id} has no row to {b}"
        for requirement in CATALOGUE.of_standard(b):
            if requirement.clause.startswith(("9.2.", "9.3.")) or (requirement.clause in ("9.2", "9.3") and not CATALOGUE.children(requirement.id)):
                linked = [other for other, _ in CATALOGUE.correlated(requirement.id) if other.startswith(a + "/")]
                assert linked, f"{requirement.id} has no row to {a}"


def test_the_new_2022_controls_lack_a_counterpart_in_2013_only():
    gaps = {(g.requirement, g.missing_in) for g in CATALOGUE.gaps}
    assert len(gaps) == 11 and {m for _, m in gaps} == {"ISO27001:2013"}
    assert CATALOGUE.without_counterpart_in("ISO27001:2022/A.5.7") == ["ISO27001:2013"]
    assert CATALOGUE.without_counterpart_in("ISO27001:2022/A.5.19") == []


def test_a_row_that_contradicts_without_counterpart_is_refused(tmp_path):
    import shutil

    import pytest

    from imscheck.errors import InputError
    base = resources.data_dir("rules")
    shutil.copytree(base / "catalogues", tmp_path / "catalogues")
    (tmp_path / "correlations").mkdir()
    (tmp_path / "correlations" / "migration.yaml").write_text(
        "source: test\n"
        "without_counterpart:\n  - ISO27001:2022/A.5.7\n"
        "correlations:\n"
        "  - {from: ISO27001:2013/A.6.1.4, to: ISO27001:2022/A.5.6, relation: equal}\n"
        "  - {from: ISO27001:2013/A.6.1.4, to: ISO27001:2022/A.5.7, relation: intersect, note: a row the gap denies}\n")
    with pytest.raises(InputError) as caught:
        load_catalogue(tmp_path)
    problem = caught.value.problems[0]
    assert problem.file == "rules/correlations/migration.yaml" and problem.pointer == "/without_counterpart/0"
    assert "yet a correlation row links it to ISO27001:2013" in problem.message


def test_full_titles_of_a_5_21_and_a_5_34():
    assert CATALOGUE.requirements["ISO27001:2022/A.5.21"].title == \
        "Managing information security in the information and communication technology (ICT) supply chain"
    assert CATALOGUE.requirements["ISO27001:2022/A.5.34"].title == \
        "Privacy and protection of personal identifiable information (PII)"


def test_2022_annex_a_controls_say_which_documented_information_they_ask_for():
    marked = {r.clause for r in CATALOGUE.of_standard("ISO27001:2022") if r.annex == "A" and r.documented_information}
    assert marked == {"A.5.1", "A.5.9", "A.5.10", "A.5.26", "A.5.31", "A.5.37", "A.6.6", "A.8.9", "A.8.27"}
    # As in 2013: a control asking for documented information carries it, and its 2022 successor does too,
    # except where the 2022 text no longer asks for it (written down in the catalogue's header).
    dropped = {"ISO27001:2013/A.9.1.1", "ISO27001:2013/A.15.1.1", "ISO27001:2013/A.17.1.2"}
    for old in CATALOGUE.of_standard("ISO27001:2013"):
        if old.annex != "A" or not old.documented_information or old.id in dropped:
            continue
        successors = [c.target for c in CATALOGUE.correlations if c.source == old.id and c.target.startswith("ISO27001:2022/A.")]
        assert any(CATALOGUE.requirements[s].documented_information for s in successors), old.id


def test_a_subset_row_does_not_say_that_part_of_its_from_side_is_dropped_or_moved():
    """`from` subset `to` means everything `from` asks for is in `to`; a note that says part of `from`
    is not repeated, gives way, is gone or goes to another clause describes an `intersect`."""
    import re
    loss = re.compile(r"not repeated|gives? way|is gone|no longer|\b(move|moves|go|goes) to\b")
    for c in CATALOGUE.correlations:
        if c.relation == "subset" and c.note:
            assert not loss.search(c.note), c
    assert _relation("ISO9001:2008/6.2.2", "ISO9001:2015/7.3") == "intersect"
    assert _relation("ISO9001:2008/5.6.3", "ISO20000-1:2011/4.5.4.3") == "intersect"
