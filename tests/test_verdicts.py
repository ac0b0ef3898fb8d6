"""Verdicts: statuses, exclusions per standard, scope, sharing, and what is not evaluated."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from imscheck.api import evaluate
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.load.ims import build_ims
from imscheck.knowledge.rulebook import compile_rules, read_rule_sources
from imscheck.load.yamlsource import read_yaml_text

DATA = Path(__file__).parent / "data"
CATALOGUE = load_catalogue()
[RULE] = compile_rules(read_rule_sources(DATA), CATALOGUE, custom=True)
AS_OF = dt.date(2025, 6, 30)

BASE = """\
management_systems:
  - id: qms
    standard: "ISO9001:2015"
    scope: {statement: Hosting, exclusions: [{requirement: "ISO9001:2015/7.1.5.2", justification: No measuring equipment that needs calibration.}]}
  - id: sms
    standard: "ISO20000-1:2018"
    scope: {statement: Hosting}
  - id: isms
    standard: "ISO27001:2022"
    scope: {statement: Hosting, exclusions: [{requirement: "ISO27001:2022/9.2.2", justification: Too small to audit.}]}
documents:
  - {id: minutes, title: Minutes, kind: record, management_systems: [qms, sms, isms], path: minutes.md}
management_reviews:
  - {id: mr, date: "2025-03-01", management_systems: [qms, sms, isms], record: minutes}
"""


def verdicts(tmp_path: Path, text: str = BASE, files: dict[str, str] | None = None, as_of: dt.date = AS_OF):
    for name, content in (files if files is not None else {"minutes.md": "notes"}).items():
        (tmp_path / name).write_text(content)
    ims = build_ims([read_yaml_text(textwrap.dedent(text), "ims.yaml")], lambda r: r in CATALOGUE.requirements, tmp_path.resolve())
    result = evaluate(ims, CATALOGUE, [RULE], sorted(ims.claimed_standards()), as_of)
    return result, {v.requirement: v for v in result.verdicts}


def test_met_requirements_carry_their_evidence(tmp_path):
    _, by_id = verdicts(tmp_path)
    assert by_id["ISO9001:2015/9.3.1"].status == "met"
    assert by_id["ISO9001:2015/9.3.1"].evidence == ("minutes", "mr")


def test_a_justified_9001_exclusion_is_not_applicable_with_its_justification(tmp_path):
    _, by_id = verdicts(tmp_path)
    verdict = by_id["ISO9001:2015/7.1.5.2"]
    assert verdict.status == "not_applicable"
    assert verdict.reasons[0].message == "No measuring equipment that needs calibration."
    assert (verdict.reasons[0].file, verdict.reasons[0].line) == ("ims.yaml", 4)


def test_excluding_a_27001_clause_is_itself_unmet(tmp_path):
    _, by_id = verdicts(tmp_path)
    verdict = by_id["ISO27001:2022/9.2.2"]
    assert verdict.status == "unmet"
    assert verdict.reasons[0].code == "exclusion.not-permitted"
    assert "does not allow 9.2.2" in verdict.reasons[0].message
    assert verdict.reasons[0].line == 10


def test_annex_a_controls_are_decided_like_any_requirement(tmp_path):
    _, by_id = verdicts(tmp_path)
    assert by_id["ISO27001:2022/A.5.1"].status == "met"


def test_shared_needs_both_met_common_evidence_and_a_sharing_relation(tmp_path):
    _, by_id = verdicts(tmp_path)
    relations = dict(CATALOGUE.correlated("ISO9001:2015/9.3.1"))
    expected = tuple(sorted(r for r, rel in relations.items() if rel in ("equal", "superset") and r in by_id and by_id[r].status == "met"))
    assert expected, "the catalogue should correlate 9001 9.3.1 with another standard's review clause"
    assert by_id["ISO9001:2015/9.3.1"].shared_with == expected


def test_subset_and_intersect_never_make_evidence_shared_on_their_own(tmp_path):
    # The same minutes meet 9001 9.3.1 and 20000-1 9.3; the correlation is not symmetric:
    # whichever side asks for less cannot claim to serve the other in full.
    _, by_id = verdicts(tmp_path)
    for rid, verdict in by_id.items():
        relations = dict(CATALOGUE.correlated(rid))
        for other in verdict.shared_with:
            assert relations[other] in ("equal", "superset"), (rid, other, relations[other])
        for other, relation in relations.items():
            if relation in ("subset", "intersect"):
                assert other not in verdict.shared_with
    # 27001 9.3.1 asks for less than 9001 9.3.1 (subset): the 9001 review serves it, not the reverse.
    assert "ISO27001:2022/9.3.1" in by_id["ISO9001:2015/9.3.1"].shared_with
    assert by_id["ISO27001:2022/9.3.1"].shared_with == ()


def test_separate_evidence_is_not_shared(tmp_path):
    text = BASE.replace("management_systems: [qms, sms, isms], record: minutes}", "management_systems: [qms], record: minutes}\n"
                        "  - {id: mr2, date: \"2025-03-02\", management_systems: [sms, isms], record: minutes2}") \
               .replace("path: minutes.md}", "path: minutes.md}\n  - {id: minutes2, title: M2, kind: record, management_systems: [sms, isms], path: m2.md}")
    _, by_id = verdicts(tmp_path, text, {"minutes.md": "a", "m2.md": "b"})
    assert by_id["ISO9001:2015/9.3.1"].status == "met"
    assert by_id["ISO9001:2015/9.3.1"].shared_with == ()


def test_unmet_reasons_point_at_the_attribute_to_fix(tmp_path):
    result, by_id = verdicts(tmp_path, files={})
    verdict = by_id["ISO20000-1:2018/9.3"]
    assert verdict.status == "unmet" and verdict.evidence == () and verdict.shared_with == ()
    [reason] = verdict.reasons
    assert (reason.code, reason.pointer, reason.line) == ("TST01.record", "/management_reviews/0/record", 14)
    assert reason.message == "The record of management review mr is not an evidence file that exists."
    assert result.exit_code() == 1


def test_stale_review_is_unmet_with_the_window_in_the_message(tmp_path):
    _, by_id = verdicts(tmp_path, as_of=dt.date(2026, 3, 2))
    [reason] = by_id["ISO27001:2022/9.3.1"].reasons
    assert reason.message == "No management review covering ISO27001:2022 in the 12 months up to 2026-03-02."
    assert reason.pointer == "/management_systems/2"


def test_requirements_without_rules_are_counted_as_not_evaluated(tmp_path):
    result, by_id = verdicts(tmp_path)
    summary = result.summary()
    total_9001 = len(CATALOGUE.of_standard("ISO9001:2015"))
    counts = summary["ISO9001:2015"]
    assert counts["met"] + counts["unmet"] + counts["not_applicable"] + counts["groups"] + counts["not_evaluated"] == total_9001
    assert "ISO9001:2015/4.1" in result.not_evaluated["ISO9001:2015"]
    # Requirements that need a person's attestation are decided even with no rule: unmet until attested.
    assert [r.code for r in by_id["ISO9001:2015/7.3"].reasons] == ["attestation.missing"]
    # A heading is decided only once all of its sub-clauses are: 9.3 waits for 9.3.2 and 9.3.3.
    assert "ISO9001:2015/9.3" in result.not_evaluated["ISO9001:2015"]


def test_only_the_requested_standards_are_decided(tmp_path):
    ims = build_ims([read_yaml_text(BASE, "ims.yaml")], lambda r: r in CATALOGUE.requirements, tmp_path.resolve())
    (tmp_path / "minutes.md").write_text("x")
    result = evaluate(ims, CATALOGUE, [RULE], ["ISO27001:2022"], AS_OF)
    assert {v.standard for v in result.verdicts} == {"ISO27001:2022"}


def test_annex_a_controls_the_soa_declares_not_applicable(tmp_path):
    text = BASE + """\
soa:
  - {id: soa-a-5-1, control: "ISO27001:2022/A.5.1", management_systems: [isms], applicable: false, justification: Covered by the group policy set.}
"""
    _, by_id = verdicts(tmp_path, text)
    verdict = by_id["ISO27001:2022/A.5.1"]
    assert verdict.status == "not_applicable"
    assert (verdict.reasons[0].code, verdict.reasons[0].message, verdict.reasons[0].pointer) == (
        "soa.not-applicable", "Covered by the group policy set.", "/soa/0/applicable")


def test_a_refused_exclusion_still_shows_what_the_rules_found(tmp_path):
    _, by_id = verdicts(tmp_path, files={})
    codes = [r.code for r in by_id["ISO27001:2022/9.2.2"].reasons]
    assert codes == ["exclusion.not-permitted", "TST01.record"]


def test_an_exclusion_must_belong_to_the_standard_of_its_scope(tmp_path):
    from imscheck.errors import InputError
    text = BASE.replace('"ISO9001:2015/7.1.5.2"', '"ISO27001:2022/A.5.1"')
    with pytest.raises(InputError) as caught:
        verdicts(tmp_path, text)
    assert "ISO27001:2022/A.5.1 is not a requirement of ISO9001:2015" in caught.value.problems[0].message


def _with_attestation(requirement_id: str):
    import dataclasses
    from imscheck.knowledge.catalogue import Catalogue
    requirements = dict(CATALOGUE.requirements)
    requirements[requirement_id] = dataclasses.replace(requirements[requirement_id], attestation="minutes of leadership meetings")
    return Catalogue(requirements, CATALOGUE.correlations, CATALOGUE.without_counterpart)


ATTESTED = BASE + """\
roles:
  - {id: ceo, name: CEO, management_systems: [qms]}
attestations:
  - {id: att-5-1-1, requirement: "ISO9001:2015/5.1.1", management_systems: [qms], attested_by: ceo, date: "2025-01-15", evidence: Board minutes of January, documents: [minutes]}
"""


def _attested_verdict(tmp_path, text, as_of):
    catalogue = _with_attestation("ISO9001:2015/5.1.1")
    (tmp_path / "minutes.md").write_text("notes")
    ims = build_ims([read_yaml_text(text, "ims.yaml")], lambda r: r in catalogue.requirements, tmp_path.resolve())
    result = evaluate(ims, catalogue, [RULE], ["ISO9001:2015"], as_of)
    return {v.requirement: v for v in result.verdicts}["ISO9001:2015/5.1.1"]


def test_a_requirement_needing_attestation_is_met_by_a_valid_one(tmp_path):
    verdict = _attested_verdict(tmp_path, ATTESTED, AS_OF)
    assert verdict.status == "met" and verdict.evidence == ("att-5-1-1", "minutes")


def test_an_attestation_lapses_after_twelve_months(tmp_path):
    verdict = _attested_verdict(tmp_path, ATTESTED, dt.date(2026, 1, 15))
    [reason] = verdict.reasons
    assert verdict.status == "unmet" and reason.code == "attestation.lapsed"
    assert "lapsed on 2026-01-15" in reason.message and reason.pointer == "/attestations/0/date"


def test_an_attestation_by_a_role_of_another_management_system_does_not_count(tmp_path):
    text = ATTESTED.replace("{id: ceo, name: CEO, management_systems: [qms]}", "{id: ceo, name: CEO, management_systems: [isms]}")
    verdict = _attested_verdict(tmp_path, text, AS_OF)
    [reason] = verdict.reasons
    assert verdict.status == "unmet" and reason.code == "attestation.role-outside"
    assert reason.pointer == "/attestations/0/attested_by" and "not a role of qms" in reason.message


def test_a_requirement_needing_attestation_without_one_is_unmet_and_says_what_to_look_at(tmp_path):
    verdict = _attested_verdict(tmp_path, BASE, AS_OF)
    [reason] = verdict.reasons
    assert verdict.status == "unmet" and reason.code == "attestation.missing"
    assert "look at minutes of leadership meetings" in reason.message


HEADING_RULE = """\
id: TST09
name: t
title: t
decides: ["ISO27001:2022/9.3.1", "ISO27001:2022/9.3.2", "ISO27001:2022/9.3.3"]
why: t
expect:
  - id: held
    exists: {review: {type: management_review, standards: {contains: $standard}}}
    message: No review.
examples:
  pass: [{name: p, as_of: "2025-01-01", ims: {}}]
  fail: [{name: f, as_of: "2025-01-01", ims: {}}]
"""


@pytest.mark.parametrize("reviews, status", [("[{id: mr, date: '2025-03-01', management_systems: [isms]}]", "met"), ("[]", "unmet")])
def test_a_heading_takes_its_verdict_from_its_sub_clauses(tmp_path, reviews, status):
    [rule] = compile_rules([read_yaml_text(HEADING_RULE, "t.yaml")], CATALOGUE, custom=True)
    text = f"management_systems: [{{id: isms, standard: 'ISO27001:2022', scope: {{statement: x}}}}]\nmanagement_reviews: {reviews}\n"
    ims = build_ims([read_yaml_text(text, "ims.yaml")], lambda r: r in CATALOGUE.requirements, tmp_path.resolve())
    by_id = {v.requirement: v for v in evaluate(ims, CATALOGUE, [rule], ["ISO27001:2022"], AS_OF).verdicts}
    heading = by_id["ISO27001:2022/9.3"]
    assert heading.status == status and heading.rules == ()
    if status == "met":
        assert heading.evidence == ("mr",) and heading.reasons == ()
    else:
        [reason] = heading.reasons
        assert reason.code == "subclauses.unmet" and (reason.file, reason.line, reason.pointer) == ("ims.yaml", 1, "/management_systems/0")
        assert "9.3.1 (General), 9.3.2 (Management review inputs), 9.3.3 (Management review results)" in reason.message
    # 9 is not decided: its other sub-clauses (9.1, 9.2) have no verdict here.
    assert "ISO27001:2022/9" not in by_id


def test_attestation_marks_are_left_out_with_the_organisations_own_rules_only(tmp_path):
    # --no-builtin: the catalogue's attestation marks are built in too, so they are not decided.
    ims = build_ims([read_yaml_text(BASE, "ims.yaml")], lambda r: r in CATALOGUE.requirements, tmp_path.resolve())
    (tmp_path / "minutes.md").write_text("x")
    result = evaluate(ims, CATALOGUE, [RULE], ["ISO9001:2015"], AS_OF, attestations=False)
    assert "ISO9001:2015/7.3" in result.not_evaluated["ISO9001:2015"]
    assert all(not r.code.startswith("attestation.") for v in result.verdicts for r in v.reasons)


EXCLUDED_DESIGN = """\
management_systems:
  - id: qms
    standard: "ISO9001:2015"
    scope: {statement: Hosting, exclusions: [{requirement: "ISO9001:2015/8.3", justification: We design nothing.}]}
  - id: sms
    standard: "ISO20000-1:2018"
    scope: {statement: Hosting}
processes:
  - {id: p-ops, name: Operations, management_systems: [qms, sms], requirements: ["ISO9001:2015/8.5.1"]}
"""


def test_a_justified_exclusion_stands_while_nothing_contradicts_it(tmp_path):
    _, by_id = verdicts(tmp_path, EXCLUDED_DESIGN, files={})
    assert by_id["ISO9001:2015/8.3"].status == "not_applicable"


@pytest.mark.parametrize("tag, code_at", [("ISO9001:2015/8.3.4", "/processes/1/requirements/0"),
                                          ("ISO20000-1:2018/8.5.2.1", "/processes/1/requirements/0")])
def test_a_design_exclusion_contradicted_by_the_ims_is_unmet(tmp_path, tag, code_at):
    text = EXCLUDED_DESIGN + f'  - {{id: p-design, name: Design, management_systems: [qms, sms], requirements: ["{tag}"]}}\n'
    _, by_id = verdicts(tmp_path, text, files={})
    for rid in ("ISO9001:2015/8.3",):
        verdict = by_id[rid]
        assert verdict.status == "unmet", rid
        assert verdict.reasons[0].code == "exclusion.contradicted" and verdict.reasons[0].pointer == code_at
        assert "p-design" in verdict.reasons[0].message
