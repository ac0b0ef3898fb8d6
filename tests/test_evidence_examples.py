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


def test_northwind_is_nearly_conformant_with_two_deliberate_gaps():
    result, by_id = verdicts("northwind-services")
    assert unmet_codes(by_id) == {
        # The customer-training unit is in the QMS and SMS scopes and its last audit (2024-09) is
        # more than 12 months old: an auditor would raise an incomplete audit programme for both.
        "ISO9001:2015/9.2.2": ["AUD01.unit-not-audited"],
        "ISO20000-1:2018/9.2": ["AUD01.unit-not-audited"],
        # The cryptography standard was due for review on 2025-09-10 and has not been reviewed:
        # documented information that is out of its review cycle is not controlled.
        "ISO27001:2022/7.5.3": ["DOC01.review-overdue"],
    }
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
    assert set(by_id["ISO9001:2015/9.3.1"].evidence) & set(by_id["ISO27001:2022/9.3.1"].evidence)
    # The colocation provider runs the data-centre facilities under an approved agreement
    # that was reviewed in 2025: externally provided processes are controlled.
    assert by_id["ISO20000-1:2018/8.2.3"].status == by_id["ISO9001:2015/8.4.1"].status == "met"
    assert result.exit_code() == 1


def test_fjord_has_the_typical_gaps_of_a_small_organisation():
    result, by_id = verdicts("fjord-accounting")
    assert unmet_codes(by_id) == {
        # One unit has never been audited.
        "ISO9001:2015/9.2.2": ["AUD01.unit-not-audited"],
        # The last management review (2024-09-12) is more than 12 months old: the review is not
        # held at planned intervals, and its inputs are reported once rather than one by one.
        "ISO9001:2015/9.3.1": ["MR01.held"],
        "ISO9001:2015/9.3.2": ["MR02.held"],
        "ISO27001:2022/9.3.1": ["MR01.held"],
        "ISO27001:2022/9.3.2": ["MR02.held"],
        # The information security policy exists only as a draft, so it is neither approved
        # nor communicated.
        "ISO27001:2022/5.2": ["POL01.document-not-approved", "POL02.not-communicated"],
        # A risk with no treatment decision means risks are not being addressed.
        "ISO27001:2022/6.1.1": ["RSK01.no-treatment"],
        # The SoA was carried over from the 2013 edition: the 11 controls new in 2022 are missing.
        "ISO27001:2022/6.1.3": ["SOA01.control-missing"] * 11,
        # The draft policy is uncontrolled, and the penetration test report is referenced but
        # absent from the repository.
        "ISO27001:2022/7.5.3": ["DOC01.not-approved", "DOC01.file-missing"],
        # ISO 27001 never allows clause 9 to be excluded; and no ISMS audit was held either.
        "ISO27001:2022/9.2.2": ["exclusion.not-permitted", "AUD01.none-held"],
    }
    assert by_id["ISO9001:2015/7.1.5.2"].status == "not_applicable"
    assert result.exit_code() == 1
