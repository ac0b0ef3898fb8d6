"""The Markdown summary: findings first, counts per standard, what is shared; always short enough."""

from __future__ import annotations

import dataclasses
import re

from imscheck.reports import markdown
from imscheck.verdicts.findings import Finding

from .reportdata import EXAMPLE_NAMES, example_result, golden, golden_json


def table_rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    # cells split on pipes that are not escaped
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_counts_per_standard_equal_the_json_summary():
    for name in EXAMPLE_NAMES:
        text, summary = golden(name, "summary.md"), golden_json(name, "report.json")["summary"]
        rows = table_rows(text, "### Per standard")
        assert [r[0] for r in rows] == list(summary)
        for row in rows:
            c = summary[row[0]]
            assert row[1:] == [str(c[k]) for k in ("met", "unmet", "not_applicable", "shared", "groups", "not_evaluated")]


def test_the_bundled_example_lists_its_three_findings_with_what_they_affect():
    text = golden("northwind-services", "summary.md")
    assert "**3 findings affecting 6 requirements in 3 standards" in text
    rows = table_rows(text, "### Findings")
    assert [r[2] for r in rows] == ["attestation.lapsed", "DOC01.review-overdue", "AUD01.unit-not-audited"]
    assert rows[2][1] == "ims/organisation.yaml:34:5"
    assert rows[2][4].startswith("ISO9001:2015/9.2.1, ISO9001:2015/9.2.2, ISO20000-1:2018/9.2 (and through them")
    assert "### Shared between standards" in text and "ISO9001:2015/9.3.1 General | ISO27001:2022/9.3.1" in text


def test_markdown_in_messages_cannot_break_the_table():
    assert markdown.escape("a | b *c* <script> `x`\nnext") == "a \\| b \\*c\\* \\<script\\> \\`x\\` next"
    assert markdown.cell("x" * 10 + "|" * 10, 12) == "xxxxxxxxxx…"  # never a dangling backslash


def test_the_worst_case_stays_under_the_comment_limit():
    result = example_result("fjord-accounting")
    long_message = "An | unusually * long _ message [with] <every> `special` character. " * 40
    many = tuple(v.requirement for v in result.verdicts)
    findings = tuple(Finding(f"{i:032x}", "XX01", "XX01.code", f"entity-{i}", long_message, "ims/" + "deep/" * 40 + "file.yaml",
                             i + 1, 1, "/x", many) for i in range(2_000))
    verdicts = tuple(dataclasses.replace(v, shared_with=many[:50], evidence=many[:50]) for v in result.verdicts)
    worst = dataclasses.replace(result, findings=findings, verdicts=verdicts, notes=(long_message,) * 50)
    text = markdown.render(worst)
    assert len(text) < markdown.LIMIT, len(text)
    assert "and 1,975 more findings" in text
    for name in EXAMPLE_NAMES:
        assert len(golden(name, "summary.md")) < markdown.LIMIT
