"""SARIF: valid against the OASIS schema, one result per finding, shaped for GitHub code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft7Validator

from imscheck.reports import sarif

from .conftest import REPO, run_cli, write
from .reportdata import EXAMPLE_NAMES, example_result, golden_json, reference


def validator() -> Draft7Validator:
    schema = json.loads(reference("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    checker = Draft7Validator.FORMAT_CHECKER
    # Without jsonschema's format extras these formats would pass unchecked.
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install the test extra: jsonschema[format-nongpl]"
    return Draft7Validator(schema, format_checker=checker)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_sarif_of_the_examples_is_valid_against_the_oasis_schema(name):
    log = golden_json(name, "report.sarif")
    errors = sorted(validator().iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_one_result_per_finding_at_its_yaml_line_with_its_fingerprint(name):
    result = example_result(name)
    [run] = golden_json(name, "report.sarif")["runs"]
    assert len(run["results"]) == len(result.findings)
    rules = run["tool"]["driver"]["rules"]
    for item, finding in zip(run["results"], result.findings):
        assert item["ruleId"] == finding.rule and rules[item["ruleIndex"]]["id"] == finding.rule
        assert item["level"] == "error" and item["kind"] == "fail"
        [location] = item["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": finding.file, "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": finding.line, "startColumn": finding.column}
        assert (REPO / "evidence-examples" / name / finding.file).is_file()
        assert item["partialFingerprints"] == {"imscheck/v1": finding.fingerprint}
        assert item["properties"]["requirements"] == list(finding.requirements)
        assert item["properties"]["code"] == finding.code
        for requirement in finding.requirements[:20]:
            assert requirement in item["message"]["text"]


def test_the_bundled_example_gives_three_alerts_with_every_affected_requirement():
    [run] = golden_json("northwind-services", "report.sarif")["runs"]
    by_code = {r["properties"]["code"]: r for r in run["results"]}
    assert set(by_code) == {"attestation.lapsed", "DOC01.review-overdue", "AUD01.unit-not-audited"}
    audit = by_code["AUD01.unit-not-audited"]
    assert audit["message"]["text"].endswith(
        "Affects 3 requirements: ISO9001:2015/9.2.1, ISO9001:2015/9.2.2, ISO20000-1:2018/9.2.")
    assert audit["properties"]["standards"] == ["ISO9001:2015", "ISO20000-1:2018"]


def test_rules_carry_the_why_of_their_rule_file():
    [run] = golden_json("northwind-services", "report.sarif")["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == ["AUD01", "DOC01", "attestation"]
    rule_file = yaml.safe_load((REPO / "rules" / "checks" / "AUD01-internal-audit-coverage.yaml").read_text(encoding="utf-8"))
    aud = rules["AUD01"]
    assert aud["shortDescription"]["text"] == rule_file["title"]
    assert aud["fullDescription"]["text"] == " ".join(rule_file["why"].split())
    assert aud["help"]["text"].startswith(" ".join(rule_file["why"].split()))
    assert rules["attestation"]["help"]["text"]  # built-in causes are described too


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_github_code_scanning_constraints(name):
    """What GitHub's SARIF upload requires or limits, beyond the OASIS schema."""
    text = (REPO / "evidence-examples" / name / "expected" / "report.sarif").read_text(encoding="utf-8")
    log = json.loads(text)
    assert len(text.encode("utf-8")) < 10 * 1024 * 1024  # upload limit (before gzip)
    assert len(log["runs"]) <= 20
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "imscheck"
    assert len(run["results"]) <= 25_000 and len(driver["rules"]) <= 25_000
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert len(rule["properties"]["tags"]) <= 20
    fingerprints = [r["partialFingerprints"]["imscheck/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    for item in run["results"]:
        assert item["message"]["text"]
        assert 1 <= len(item["locations"]) <= 1000
        uri = item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not uri.startswith("/") and ":" not in uri and ".." not in uri.split("/")  # relative to the repository root


def test_a_path_with_spaces_is_a_valid_uri_reference(tmp_path):
    folder = tmp_path / "repo"
    write(folder, "ims files/main system.yaml", """\
        organisation: {id: acme, name: Acme}
        management_systems:
          - {id: isms, standard: "ISO27001:2022", scope: {statement: Hosting}}
        """)
    out = tmp_path / "report.sarif"
    result = run_cli("check", str(folder), "--as-of", "2025-06-30", "--rules", str(Path(__file__).parent / "data"),
                     "--no-builtin", "--sarif", str(out))
    assert result.exit_code == 1, result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"ims%20files/main%20system.yaml"}
    assert not list(validator().iter_errors(log))


def test_no_findings_is_an_empty_but_valid_run():
    result = example_result("northwind-services")
    from dataclasses import replace
    clean = replace(result, findings=())
    log = json.loads(sarif.render(clean))
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []
    assert not list(validator().iter_errors(log))


def test_a_waived_finding_is_a_suppressed_result_and_no_code_quality_issue(tmp_path):
    from imscheck.reports import codequality, markdown

    from .test_lapsing import NOT_APPROVED, checked, waiver

    result = checked(tmp_path, waiver(f"finding: {NOT_APPROVED}"))
    assert [f.waiver for f in result.findings if f.fingerprint == NOT_APPROVED] == ["w-1"]
    log = json.loads(sarif.render(result))
    validator().validate(log)
    by_print = {r["partialFingerprints"]["imscheck/v1"]: r for r in log["runs"][0]["results"]}
    assert by_print[NOT_APPROVED]["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "waived by w-1"}]
    assert all("suppressions" not in r for p, r in by_print.items() if p != NOT_APPROVED)
    issues = json.loads(codequality.render(result))
    assert NOT_APPROVED not in {i["fingerprint"] for i in issues} and len(issues) == len(result.findings) - 1
    from dataclasses import replace
    only_waived = replace(result, findings=tuple(f for f in result.findings if f.waiver))
    assert "(waived by w-1)" in markdown.render(only_waived)
