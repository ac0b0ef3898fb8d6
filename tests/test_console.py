"""The console leads with findings: each cause once, where to fix it, every requirement it affects."""

from __future__ import annotations

import re
from dataclasses import replace

from imscheck.reports import console

from .golden import AS_OF, EXAMPLES
from .conftest import run_cli
from .reportdata import example_result, golden


def test_the_bundled_example_shows_its_three_findings_once_each_with_all_affected_requirements():
    result = run_cli("check", str(EXAMPLES / "northwind-services"), "--as-of", AS_OF.isoformat())
    assert result.exit_code == 1
    text = result.stdout
    assert text == golden("northwind-services", "console.txt")
    assert "3 findings affecting 6 requirements in 3 standards (and 6 headings above them" in text
    blocks = re.split(r"\n  \d\. ", text.split("\n\nstandard", 1)[0])[1:]
    assert len(blocks) == 3
    expected = {
        "ims/attestations.yaml:202:11 attestation.lapsed": ["ISO20000-1:2018/7.4 Communication"],
        "ims/documents.yaml:333:5 DOC01.review-overdue": ["ISO27001:2022/7.5.2 Creating and updating",
                                                          "ISO27001:2022/7.5.3 Control of documented information"],
        "ims/organisation.yaml:34:5 AUD01.unit-not-audited": ["ISO9001:2015/9.2.1 [no heading] purpose of internal audits",
                                                              "ISO9001:2015/9.2.2 [no heading] audit programme",
                                                              "ISO20000-1:2018/9.2 Internal audit"],
    }
    for block in blocks:
        head, *rest = block.splitlines()
        affected = [line.strip() for line in rest if line.startswith("       ")]
        assert expected.pop(head) == affected
    assert not expected
    # Each cause once: no reason code is printed twice, and roll-up headings are not findings.
    assert text.count("AUD01.unit-not-audited") == 1 and "subclauses.unmet" not in text
    assert "and through them the headings ISO9001:2015/9, ISO9001:2015/9.2, ISO20000-1:2018/9" in text
    assert text.rstrip().endswith("Result: 6 requirements unmet, from 3 findings.")


def test_counts_per_standard_exclude_groups():
    text = golden("northwind-services", "console.txt")
    summary = example_result("northwind-services").summary()
    for standard, counts in summary.items():
        [row] = [line.split() for line in text.splitlines() if line.startswith(standard + " ")]
        assert row[1:] == [str(counts[k]) for k in ("met", "unmet", "not_applicable", "shared", "groups", "not_evaluated")]


def test_colour_only_when_asked_and_plain_text_otherwise():
    result = example_result("northwind-services")
    assert "\033" not in console.render(result)
    assert "\033[31m" in console.render(result, color=True)


def test_the_console_shows_at_most_fifty_warnings_and_counts_the_rest():
    from imscheck.errors import Warning
    from imscheck.reports import console

    result = replace(example_result("northwind-services"),
                     warnings=tuple(Warning("ims/x.yaml", line, 1, f"tag {line} counts for nothing") for line in range(1, 121)))
    text = console.render(result)
    shown = [line for line in text.splitlines() if ": warning: tag " in line]
    assert len(shown) == console.MAX_WARNINGS and shown[0] == "ims/x.yaml:1:1: warning: tag 1 counts for nothing"
    assert "... and 70 more warnings (the JSON report lists them all)" in text
