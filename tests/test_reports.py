"""Reports: the JSON contract, JUnit valid against the Jenkins schema, byte-identical output."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import SHARED, run_cli, write

DATA = Path(__file__).parent / "data"
XSD = SHARED / "reference" / "junit-10.xsd"

IMS = """\
organisation: {id: acme, name: Acme Hosting}
management_systems:
  - id: qms
    standard: "ISO9001:2015"
    scope: {statement: Hosting, exclusions: [{requirement: "ISO9001:2015/7.1.5.2", justification: No calibrated equipment.}]}
  - id: isms
    standard: "ISO27001:2022"
    scope: {statement: Hosting}
documents:
  - {id: minutes, title: Minutes, kind: record, management_systems: [qms, isms], path: minutes.md}
management_reviews:
  - {id: mr, date: "2025-03-01", management_systems: [qms], record: minutes}
"""


@pytest.fixture
def ims_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", IMS)
    (folder / "minutes.md").write_text("minutes")
    return folder


def check(folder: Path, *extra: str):
    return run_cli("check", str(folder), "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin", *extra)


def test_json_report_follows_the_contract(ims_dir, tmp_path):
    out = tmp_path / "report.json"
    result = check(ims_dir, "--json", str(out))
    assert result.exit_code == 1  # the ISMS has no management review
    report = json.loads(out.read_text())
    assert set(report) >= {"results", "summary"}
    by_id = {r["requirement"]: r for r in report["results"]}
    unmet = by_id["ISO27001:2022/9.3.1"]
    assert unmet["status"] == "unmet" and unmet["standard"] == "ISO27001:2022"
    assert unmet["reasons"] == ["No management review covering ISO27001:2022 in the 12 months up to 2025-06-30."]
    assert unmet["location"] == {"file": "ims.yaml", "line": 6}
    assert unmet["evidence"] == [] and unmet["shared_with"] == []
    met = by_id["ISO9001:2015/9.3.1"]
    assert met["status"] == "met" and met["evidence"] == ["minutes", "mr"] and met["location"] is None
    na = by_id["ISO9001:2015/7.1.5.2"]
    assert na["status"] == "not_applicable" and na["reasons"] == ["No calibrated equipment."]
    assert report["summary"]["ISO27001:2022"]["unmet"] >= 1
    for record in report["results"]:
        assert set(record) >= {"requirement", "standard", "status", "shared_with", "evidence", "reasons", "location"}


def test_junit_is_valid_against_the_jenkins_schema(ims_dir, tmp_path):
    if not XSD.is_file():
        pytest.skip(f"the Jenkins JUnit schema is not at {XSD}; CI provides ../shared beside the checkout")
    lxml = pytest.importorskip("lxml.etree", reason="lxml validates XML Schema; it comes with the 'test' extra")
    out = tmp_path / "junit.xml"
    assert check(ims_dir, "--junit", str(out)).exit_code == 1
    document = lxml.parse(str(out))
    for case in document.iter("testcase"):  # de-facto attributes the schema does not know
        assert case.get("file") is None or case.get("line").isdigit()
        case.attrib.pop("file", None)
        case.attrib.pop("line", None)
    schema = lxml.XMLSchema(lxml.parse(str(XSD)))
    assert schema.validate(document), schema.error_log


def test_junit_has_a_suite_per_standard_and_the_summary_in_message_and_body(ims_dir, tmp_path):
    out = tmp_path / "junit.xml"
    check(ims_dir, "--junit", str(out))
    root = ET.parse(out).getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["ISO9001:2015", "ISO27001:2022"]
    cases = {c.get("name").split(" ")[0]: c for c in root.iter("testcase")}
    failure = cases["ISO27001:2022/9.3.1"].find("failure")
    assert failure.get("message") == "No management review covering ISO27001:2022 in the 12 months up to 2025-06-30."
    assert failure.get("message") in failure.text
    assert cases["ISO27001:2022/9.3.1"].get("file") == "ims.yaml" and cases["ISO27001:2022/9.3.1"].get("line") == "6"
    skipped = cases["ISO9001:2015/7.1.5.2"].find("skipped")
    assert "No calibrated equipment." in skipped.get("message") and "No calibrated equipment." in skipped.text
    assert cases["ISO9001:2015/9.3.1"].find("failure") is None
    suite = root.find("testsuite")
    assert suite.get("disabled") is None and suite.get("time") is None


def test_report_to_standard_output_moves_the_summary_to_stderr(ims_dir):
    result = check(ims_dir, "--json", "-")
    json.loads(result.stdout)
    assert "imscheck: conformity as of 2025-06-30" in result.stderr


# Every file format, so each is shown byte-identical across runs.
_EVERY_FORMAT = {"--json": "r.json", "--junit": "r.xml", "--sarif": "r.sarif", "--codequality": "r.cq.json", "--markdown": "r.md"}


def _run(folder: Path, seed: str) -> tuple[bytes, ...]:
    """The JSON and JUnit reports first, then the others."""
    env = dict(os.environ, PYTHONHASHSEED=seed)
    options = [arg for option, name in _EVERY_FORMAT.items() for arg in (option, str(folder / name))]
    # Run from inside the folder, as a user would: the console names the evidence root relative to it.
    done = subprocess.run([sys.executable, "-m", "imscheck", "check", ".", "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin",
                           *options], env=env, capture_output=True, check=False, cwd=folder)
    assert done.returncode == 1, done.stderr
    return tuple((folder / name).read_bytes() for name in _EVERY_FORMAT.values()) + (done.stdout,)


def _ims_data() -> dict:
    import yaml
    data = yaml.safe_load(IMS)
    data["management_reviews"].append({"id": "mr0", "date": "2024-01-01", "management_systems": ["isms"], "record": "minutes"})
    return data


def test_reports_are_byte_identical_whatever_the_file_order_and_hash_seed(tmp_path):
    import yaml
    data = _ims_data()
    parts = {"a.yaml": ("organisation", "management_systems"), "b.yaml": ("documents", "management_reviews")}
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, order in ((one, sorted(parts)), (two, sorted(parts, reverse=True))):
        folder.mkdir()
        for name in order:  # created in a different order, so listed differently on disk
            write(folder, name, yaml.safe_dump({k: data[k] for k in parts[name]}))
        (folder / "minutes.md").write_text("minutes")
    assert _run(one, "1") == _run(two, "2") == _run(one, "3")


def test_reports_do_not_depend_on_entity_order_except_for_line_numbers(tmp_path):
    import yaml
    data = _ims_data()
    shuffled = copy.deepcopy(data)
    for key in ("management_systems", "management_reviews"):
        shuffled[key].reverse()
    shuffled = dict(reversed(list(shuffled.items())))
    outputs = []
    for name, content in (("one", data), ("two", shuffled)):
        folder = tmp_path / name
        write(folder, "ims.yaml", yaml.safe_dump(content, sort_keys=False))
        (folder / "minutes.md").write_text("minutes")
        report, junit, *_ = _run(folder, "0")
        records = json.loads(report)
        for record in records["results"]:
            record.pop("location")
            for detail in record["details"]:
                detail.pop("line")
                detail.pop("pointer")
        # Findings are listed in file order, so only their order and location may differ.
        for finding in records["findings"]:
            finding.pop("location")
        records["findings"].sort(key=lambda f: f["fingerprint"])
        root = ET.fromstring(junit)
        for case in root.iter("testcase"):
            case.attrib.pop("line", None)
            for child in case:
                child.text = "\n".join(l.split(": ", 1)[-1] for l in (child.text or "").splitlines())
        outputs.append((records, ET.tostring(root)))
    assert outputs[0] == outputs[1]
