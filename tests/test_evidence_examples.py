"""The bundled example repositories: verdicts an auditor would give, and golden reports.

Each pinned verdict says why it is right. The golden files in
``evidence-examples/*/expected/`` are regenerated with ``python -m tests.golden``
and compared here byte for byte.
"""

from __future__ import annotations

import pytest

from imscheck.api import CheckOptions, check_result

from .golden import AS_OF, EXAMPLES, examples, render


def verdicts(name: str):
    result = check_result(CheckOptions(path=EXAMPLES / name, as_of=AS_OF))
    return result, {v.requirement: v for v in result.verdicts}


@pytest.mark.parametrize("example", examples(), ids=[p.name for p in examples()])
def test_reports_match_the_golden_files(example):
    for name, text in render(example).items():
        expected = (example / "expected" / name).read_text(encoding="utf-8")
        assert text == expected, f"{example.name}/expected/{name} is out of date: run 'python -m tests.golden' and review the diff"


def test_there_are_two_complete_examples():
    assert [p.name for p in examples()] == ["fjord-accounting", "northwind-services"]


def unmet_codes(by_id) -> dict[str, list[str]]:
    return {rid: [r.code for r in v.reasons] for rid, v in by_id.items() if v.status == "unmet"}


def test_northwind_is_nearly_conformant_with_three_deliberate_gaps():
    result, by_id = verdicts("northwind-services")
    assert unmet_codes(by_id) == {
        # The customer-training unit is in the QMS and SMS scopes and its last audit (2024-09) is
        # more than 12 months old: an auditor would raise an incomplete audit programme for both
        # (the programme does not reach the whole scope, so audits do not serve their purpose).
        "ISO9001:2015/9.2.1": ["AUD01.unit-not-audited"],
        "ISO9001:2015/9.2.2": ["AUD01.unit-not-audited"],
        "ISO20000-1:2018/9.2": ["AUD01.unit-not-audited"],
        # The headings above the audit gap follow their sub-clauses.
        "ISO9001:2015/9.2": ["subclauses.unmet"],
        "ISO9001:2015/9": ["subclauses.unmet"],
        "ISO20000-1:2018/9": ["subclauses.unmet"],
        # The cryptography standard was due for review on 2025-09-10 and has not been reviewed:
        # documented information that is out of its review cycle is neither kept up to date
        # nor controlled.
        "ISO27001:2022/7.5.2": ["DOC01.review-overdue"],
        "ISO27001:2022/7.5.3": ["DOC01.review-overdue"],
        "ISO27001:2022/7.5": ["subclauses.unmet"],
        "ISO27001:2022/7": ["subclauses.unmet"],
        # The service desk manager last confirmed the SMS communication lines of the communication
        # plan on 2024-10-01; the yearly re-check slipped, so since 2025-10-01 nobody can show
        # that communication about the services happens as planned.
        "ISO20000-1:2018/7.4": ["attestation.lapsed"],
        "ISO20000-1:2018/7": ["subclauses.unmet"],
    }
    # The same lapse does not touch the other standards: the QMS and ISMS lines of the plan
    # were re-confirmed in 2025, and the attestation names the person's evidence.
    assert by_id["ISO9001:2015/7.4"].status == by_id["ISO27001:2022/7.4"].status == "met"
    assert "att-isms-7-4-communication" in by_id["ISO27001:2022/7.4"].evidence
    # Leadership cannot be read from the data; the internal auditor attested it at the
    # governance audit of 2025-02-18, which is within the last 12 months.
    assert by_id["ISO9001:2015/5.1.1"].status == "met"
    assert "att-qms-5-1-1-leadership" in by_id["ISO9001:2015/5.1.1"].evidence
    lapsed = by_id["ISO20000-1:2018/7.4"].reasons[0]
    assert lapsed.file.endswith("attestations.yaml") and "2025-10-01" in lapsed.message
    # Every clause-8 requirement is answered by a named process, and each documented
    # information requirement by a current item, e.g. the continuity plan and its test record.
    assert set(by_id["ISO20000-1:2018/8.7.2"].evidence) >= {
        "capacity-and-continuity", "backup-and-continuity-plan", "continuity-exercise-2025"}
    # The same unit lies outside the ISMS scope, so the ISMS audit programme is complete:
    # scope-awareness means no finding for ISO 27001.
    assert by_id["ISO27001:2022/9.2.2"].status == "met"
    # 7.1.5.2 is excludable in ISO 9001 and the scope justifies it (nothing is calibrated).
    assert by_id["ISO9001:2015/7.1.5.2"].status == "not_applicable"
    # The SoA declares A.8.11 and A.8.30 not applicable, each with a reason.
    assert {r for r, v in by_id.items() if v.status == "not_applicable" and r.startswith("ISO27001")} == {
        "ISO27001:2022/A.8.11", "ISO27001:2022/A.8.30"}
    # One integrated management review serves all three standards: the 20000-1 and 27001
    # review requirements are met by the same record and listed as shared.
    assert "ISO27001:2022/9.3.1" in by_id["ISO20000-1:2018/9.3"].shared_with
    # 20000-1 9.3 asks for all that 27001 9.3.3 does (superset), so the review serves 9.3.3 too;
    # capacity management and A.8.6 only overlap (intersect), so the capacity plan is not shared.
    assert "ISO27001:2022/9.3.3" in by_id["ISO20000-1:2018/9.3"].shared_with
    assert "ISO27001:2022/A.8.6" not in by_id["ISO20000-1:2018/8.4.3"].shared_with
    # 20000-1 9.1 asks for all that 9001 9.1.1 does, and for the services: its results serve 9001.
    assert "ISO9001:2015/9.1.1" in by_id["ISO20000-1:2018/9.1"].shared_with
    assert set(by_id["ISO9001:2015/9.3.1"].evidence) & set(by_id["ISO27001:2022/9.3.1"].evidence)
    # The colocation provider runs the data-centre facilities under an approved agreement
    # that was reviewed in 2025: externally provided processes are controlled.
    assert by_id["ISO20000-1:2018/8.2.3"].status == by_id["ISO9001:2015/8.4.1"].status == "met"
    # One supplier management procedure serves three standards and is counted under each: the
    # evaluation criteria of ISO 9001 8.4.1, the supplier process of ISO/IEC 20000-1 8.3.4.1, and
    # the SoA's evidence for ISO/IEC 27001 A.5.19, A.5.21 and A.5.22; the evaluations themselves
    # are the review records linked to each supplier.
    for rid in ("ISO9001:2015/8.4.1", "ISO20000-1:2018/8.3.4.1", "ISO27001:2022/A.5.19", "ISO27001:2022/A.5.21",
                "ISO27001:2022/A.5.22"):
        assert by_id[rid].status == "met" and "supplier-management-procedure" in by_id[rid].evidence, rid
    for rid in ("ISO9001:2015/8.4.1", "ISO27001:2022/A.5.22"):
        assert {"severn-review-2025", "severn-supplier-review-2025"} <= set(by_id[rid].evidence), rid
    assert result.exit_code() == 1


def test_removing_a_supplier_review_record_makes_the_evaluation_unmet(tmp_path):
    import shutil

    copy = tmp_path / "northwind"
    shutil.copytree(EXAMPLES / "northwind-services", copy)
    suppliers = copy / "ims" / "suppliers.yaml"
    text = suppliers.read_text()
    start = text.index("  - {id: kestrel-review-2025")
    suppliers.write_text(text[:start] + text[text.index("  - {id: tidewater-review-2025"):])
    result = check_result(CheckOptions(path=copy, as_of=AS_OF))
    by_id = {v.requirement: v for v in result.verdicts}
    for rid in ("ISO9001:2015/8.4.1", "ISO20000-1:2018/8.3.4.1", "ISO27001:2022/A.5.22"):
        assert by_id[rid].status == "unmet", rid
        assert [(r.code, r.entity) for r in by_id[rid].reasons] == [("SPL01.not-evaluated", "kestrel-connect")], rid


def test_fjord_has_the_typical_gaps_of_a_small_organisation():
    result, by_id = verdicts("fjord-accounting")
    roll_up = ["subclauses.unmet"]  # a heading is unmet because one of its sub-clauses is
    new_in_2022 = ["A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12", "A.8.16",
                   "A.8.23", "A.8.28"]
    assert unmet_codes(by_id) == {
        # Partner agreements were accepted after a review held only by phone and chat: the
        # sales process exists (8.2.3.1 is met), but no record of the review was kept.
        "ISO9001:2015/8.2.3.2": ["DI01.none-held"],
        "ISO9001:2015/8.2.3": roll_up, "ISO9001:2015/8.2": roll_up, "ISO9001:2015/8": roll_up,
        # Both providers are re-evaluated yearly on record, but against no written criteria: there
        # is no supplier procedure saying how providers are evaluated, selected and re-evaluated
        # (moved here when supplier evaluation became a matter of records and criteria, not dates).
        "ISO9001:2015/8.4.1": ["SPL01.no-criteria"], "ISO9001:2015/8.4": roll_up,
        # The customer success team has never been audited: the audit programme does not
        # reach the whole QMS scope.
        "ISO9001:2015/9.2.1": ["AUD01.unit-not-audited"],
        "ISO9001:2015/9.2.2": ["AUD01.unit-not-audited"],
        "ISO9001:2015/9.2": roll_up,
        # The last management review (2024-09-12) is more than 12 months old: the review is not
        # held at planned intervals, there are no current results, and its inputs are reported
        # once rather than one by one.
        "ISO9001:2015/9.3.1": ["MR01.held"],
        "ISO9001:2015/9.3.2": ["MR02.held"],
        "ISO9001:2015/9.3.3": ["MR01.held"],
        "ISO9001:2015/9.3": roll_up, "ISO9001:2015/9": roll_up,
        "ISO27001:2022/9.3.1": ["MR01.held"],
        "ISO27001:2022/9.3.2": ["MR02.held"],
        "ISO27001:2022/9.3.3": ["MR01.held"],
        "ISO27001:2022/9.3": roll_up, "ISO27001:2022/9": roll_up,
        # The information security policy exists only as a draft, so it is neither approved
        # nor communicated; the policy control A.5.1 rests on that draft alone.
        "ISO27001:2022/5.2": ["POL01.document-not-approved", "POL02.not-communicated"],
        "ISO27001:2022/5": roll_up,
        "ISO27001:2022/A.5.1": ["CTL01.evidence-not-approved"],
        # A risk with no treatment decision means risks are not being addressed.
        "ISO27001:2022/6.1.1": ["RSK01.no-treatment"],
        # The SoA was carried over from the 2013 edition: the 11 controls new in 2022 are
        # missing from it, so none of them has a decision.
        "ISO27001:2022/6.1.3": ["SOA01.control-missing"] * 11,
        "ISO27001:2022/6.1": roll_up, "ISO27001:2022/6": roll_up,
        **{f"ISO27001:2022/{control}": ["CTL01.no-soa-line"] for control in new_in_2022},
        # No security awareness training has been held and the policy is a draft: nobody can
        # attest that staff are aware of it.
        "ISO27001:2022/7.3": ["attestation.missing"],
        "ISO27001:2022/7": roll_up,
        # The draft policy is uncontrolled, and the penetration test report is referenced but
        # absent from the repository, also where the SoA names it as the evidence of a control.
        "ISO27001:2022/7.5.2": ["DOC01.not-approved", "DOC01.file-missing"],
        "ISO27001:2022/7.5.3": ["DOC01.not-approved", "DOC01.file-missing"],
        "ISO27001:2022/7.5": roll_up,
        "ISO27001:2022/A.5.35": ["CTL01.evidence-file-missing"],
        "ISO27001:2022/A.8.29": ["CTL01.evidence-file-missing"],
        # ISO 27001 never allows clause 9 to be excluded; and no ISMS audit was held either.
        "ISO27001:2022/9.2.1": ["AUD01.none-held"],
        "ISO27001:2022/9.2.2": ["exclusion.not-permitted", "AUD01.none-held"],
        "ISO27001:2022/9.2": roll_up,
    }
    assert by_id["ISO9001:2015/7.1.5.2"].status == "not_applicable"
    # A requirement no rule can decide is met by a current attestation, which is its evidence.
    assert by_id["ISO9001:2015/5.1.1"].status == "met"
    assert "att-qms-5-1-1" in by_id["ISO9001:2015/5.1.1"].evidence
    # One monitoring dashboard serves both systems; 27001 9.1 asks for all that 9001 9.1.1 does and
    # more (who measures, who analyses), so it is shared from the ISMS side, not the other way round.
    assert "ISO9001:2015/9.1.1" in by_id["ISO27001:2022/9.1"].shared_with
    assert "ISO27001:2022/9.1" not in by_id["ISO9001:2015/9.1.1"].shared_with
    assert result.exit_code() == 1
