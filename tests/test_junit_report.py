"""JUnit: the GitLab and Jenkins flavours, groups that are not tests, and a report even when the input is bad."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import run_cli, write
from .reportdata import EXAMPLE_NAMES, example_result, golden, golden_json, reference

DATA = Path(__file__).parent / "data"


def xsd():
    lxml = pytest.importorskip("lxml.etree", reason="lxml validates XML Schema; it comes with the 'test' extra")
    return lxml, lxml.XMLSchema(lxml.parse(str(reference("junit-10.xsd"))))


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_jenkins_flavour_is_valid_as_written(name):
    lxml, schema = xsd()
    document = lxml.fromstring(golden(name, "junit-jenkins.xml").encode("utf-8"))
    assert schema.validate(document), schema.error_log
    assert not [c for c in document.iter("testcase") if c.get("file") or c.get("line")]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_gitlab_flavour_keeps_file_and_line(name):
    root = ET.fromstring(golden(name, "junit.xml"))
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed and all(c.get("file", "").startswith("ims/") and c.get("line").isdigit() for c in failed)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_roll_up_headings_are_skipped_groups_and_counts_match_the_summary(name):
    result = example_result(name)
    summary = golden_json(name, "report.json")["summary"]
    root = ET.fromstring(golden(name, "junit.xml"))
    groups = {v.requirement for v in result.verdicts if v.rolled_up}
    cases = {c.get("name").split(" ", 1)[0]: c for c in root.iter("testcase")}
    # one testcase per requirement of the JSON results, groups included but never failed
    assert groups and set(cases) == {v.requirement for v in result.verdicts}
    for requirement in groups:
        skipped = cases[requirement].find("skipped")
        assert cases[requirement].find("failure") is None and skipped is not None
        assert skipped.get("message").startswith("group: ") and "through its sub-clauses" in skipped.get("message")
    for suite in root.findall("testsuite"):
        c = summary[suite.get("name")]
        assert int(suite.get("tests")) == c["met"] + c["unmet"] + c["not_applicable"] + c["waived"] + c["groups"]
        assert int(suite.get("failures")) == c["unmet"]
        assert int(suite.get("skipped")) == c["not_applicable"] + c["waived"] + c["groups"]


def test_bundled_example_fails_six_tests_for_three_findings():
    root = ET.fromstring(golden("northwind-services", "junit.xml"))
    assert root.get("failures") == "6"


IMS = """\
organisation: {id: acme, name: Acme}
management_systems:
  - {id: isms, standard: "ISO27001:2022", scope: {statement: Hosting}}
"""


def test_bad_input_still_writes_a_junit_report_naming_the_problems(tmp_path):
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", IMS + "  - {id: isms, standard: 42}\n")
    junit, json_out, sarif_out = tmp_path / "junit.xml", tmp_path / "report.json", tmp_path / "report.sarif"
    result = run_cli("check", str(folder), "--junit", str(junit), "--json", str(json_out), "--sarif", str(sarif_out),
                     "--junit-flavour", "jenkins")
    assert result.exit_code == 2
    assert f"only the JUnit report {junit} was written" in result.stderr
    assert not json_out.exists() and not sarif_out.exists()  # the other reports stay unwritten
    root = ET.parse(junit).getroot()
    [case] = root.iter("testcase")
    error = case.find("error")
    problems = [line for line in result.stderr.splitlines() if line.startswith("ims.yaml:")]
    assert problems and error.text.splitlines() == problems
    assert error.get("message").startswith("nothing was checked: ")
    assert root.get("errors") == "1" and root.get("tests") == "1"
    lxml, schema = xsd()
    assert schema.validate(lxml.parse(str(junit))), schema.error_log


def test_a_usage_error_is_named_in_the_junit_report_too(tmp_path):
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", IMS)
    junit = tmp_path / "junit.xml"
    result = run_cli("check", str(folder), "--standard", "ISO9001:2015", "--junit", str(junit))
    assert result.exit_code == 2
    assert "--standard ISO9001:2015" in ET.parse(junit).getroot().find(".//error").text


def test_without_junit_nothing_is_written_on_error(tmp_path):
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", "organisation: [\n")
    json_out = tmp_path / "report.json"
    result = run_cli("check", str(folder), "--json", str(json_out))
    assert result.exit_code == 2 and not json_out.exists()
    assert "no report was written" in result.stderr


def test_unknown_flavour_is_a_usage_error(tmp_path):
    result = run_cli("check", str(tmp_path), "--junit-flavour", "surefire")
    assert result.exit_code == 2 and "--junit-flavour" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_reports_honour_the_umask_and_keep_an_existing_mode(tmp_path):
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", IMS)
    fresh, existing = tmp_path / "fresh.xml", tmp_path / "existing.json"
    existing.write_text("old")
    existing.chmod(0o640)
    old = os.umask(0o027)
    try:
        result = run_cli("check", str(folder), "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin",
                         "--junit", str(fresh), "--json", str(existing))
    finally:
        os.umask(old)
    assert result.exit_code == 1
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640  # 0666 less the umask 027
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640 and existing.read_text() != "old"
    os.umask(0o002)
    try:
        run_cli("check", str(folder), "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin", "--junit", str(tmp_path / "g.xml"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "g.xml").stat().st_mode) == 0o664
