"""GitLab Code Quality: the documented fields, one issue per finding, fingerprints that survive moved lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from .conftest import REPO
from .reportdata import EXAMPLE_NAMES, example_result, golden_json

SCHEMA = json.loads((Path(__file__).parent / "data" / "codequality.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_code_quality_report_has_the_fields_gitlab_documents(name):
    report = golden_json(name, "codequality.json")
    Draft202012Validator.check_schema(SCHEMA)
    errors = list(Draft202012Validator(SCHEMA).iter_errors(report))
    assert not errors, [e.message for e in errors[:5]]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_one_issue_per_finding_with_its_fingerprint_and_line(name):
    result = example_result(name)
    report = golden_json(name, "codequality.json")
    assert len(report) == len(result.findings)
    for issue, finding in zip(report, result.findings):
        assert issue["fingerprint"] == finding.fingerprint
        assert issue["check_name"] == finding.code
        assert issue["severity"] == "major"
        assert issue["location"] == {"path": finding.file, "lines": {"begin": finding.line}}
        assert (REPO / "evidence-examples" / name / finding.file).is_file()
        assert issue["description"].startswith(finding.message.rstrip("."))
        assert all(r in issue["description"] for r in finding.requirements)
    # GitLab shows only the first issue of a fingerprint: they must be unique.
    assert len({i["fingerprint"] for i in report}) == len(report)


def test_the_schema_refuses_what_gitlab_cannot_show():
    bad = [{"description": "x", "check_name": "c", "fingerprint": "f", "severity": "error", "location": {"path": "/abs.yaml"}}]
    messages = [e.message for e in Draft202012Validator(SCHEMA).iter_errors(bad)]
    assert len(messages) >= 2  # unknown severity, absolute path and no line
