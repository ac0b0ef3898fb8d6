"""Every report counts alike: one finding per cause, roll-up headings as groups."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from imscheck.reports import grouping

from .reportdata import EXAMPLE_NAMES, example_result, golden, golden_json


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_reports_agree_on_findings_unmet_requirements_and_groups(name):
    result = example_result(name)
    report = golden_json(name, "report.json")
    unmet = sum(c["unmet"] for c in report["summary"].values())
    groups = sum(c["groups"] for c in report["summary"].values())
    # JSON: results keep every verdict; roll-ups are marked and counted apart.
    assert sum(1 for r in report["results"] if r["status"] == "unmet" and not r["rolled_up"]) == unmet
    assert sum(1 for r in report["results"] if r["rolled_up"]) == groups
    assert all(r["details"][0]["code"] == "subclauses.unmet" for r in report["results"] if r["rolled_up"] and r["status"] == "unmet")
    # Every unmet requirement decided on its own is affected by some finding, and only those.
    affected, _ = grouping.affected(result)
    assert len(affected) == unmet
    # JUnit fails one test per unmet requirement; SARIF and Code Quality have one entry per finding.
    assert ET.fromstring(golden(name, "junit.xml")).get("failures") == str(unmet)
    assert len(json.loads(golden(name, "report.sarif"))["runs"][0]["results"]) == len(report["findings"])
    assert len(golden_json(name, "codequality.json")) == len(report["findings"])
    assert f"Result: {grouping.plural(unmet, 'requirement')} unmet, from {grouping.plural(len(report['findings']), 'finding')}." in golden(name, "console.txt")


def test_headline_counts_requirements_and_standards():
    result = example_result("northwind-services")
    assert grouping.headline(result) == ("3 findings affecting 6 requirements in 3 standards "
                                         "(and 6 headings above them, unmet through their sub-clauses)")
    [audit] = [f for f in result.findings if f.code == "AUD01.unit-not-audited"]
    assert grouping.groups_above(result, audit.requirements) == ("ISO9001:2015/9", "ISO9001:2015/9.2", "ISO20000-1:2018/9")
