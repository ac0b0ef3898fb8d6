"""Claims no verdict reads are warned about, located, without changing the exit code."""

from __future__ import annotations

import json
from pathlib import Path

from imscheck import resources
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.knowledge.rulebook import load_rules
from imscheck.knowledge.tagcheck import tag_readers

from .conftest import run_cli, write

CATALOGUE = load_catalogue()
RULES, _ = load_rules(CATALOGUE, resources.data_dir("rules") / "checks")

IMS = """\
management_systems:
  - {id: qms, standard: "ISO9001:2015", scope: {statement: Consultancy}}
  - {id: isms, standard: "ISO27001:2022", scope: {statement: Consultancy}}
documents:
  - id: doc-design
    title: Design procedure
    kind: document
    management_systems: [qms]
    requirements: ["ISO9001:2015/8.3.2", "ISO27001:2022/8.3", "ISO20000-1:2018/8.1", "ISO9001:2015/5.2"]
soa:
  - {id: soa-old, control: "ISO27001:2013/A.5.1.1", management_systems: [isms], applicable: false, justification: Carried over}
"""


def test_rules_that_read_tags_are_found_with_the_requirements_they_read():
    readers = tag_readers(RULES)
    assert "ISO9001:2015/8.3.2" in readers["document"]  # DI01, per requirement
    assert "ISO9001:2015/8.3.2" in readers["process"]  # PX01
    assert "ISO9001:2015/10.2.2" in readers["document"]  # NC01's register, a parameter
    assert "ISO9001:2015/5.2" not in readers["document"]


def test_check_and_validate_warn_with_the_location_and_the_reason(tmp_path):
    path = write(tmp_path, "ims.yaml", IMS)
    for args in (["validate", str(path)], ["check", str(path), "--as-of", "2025-06-30", "--json", str(tmp_path / "r.json")]):
        result = run_cli(*args)
        # validate prints problems and warnings on standard error; check's warnings are part of its summary
        printed = result.stderr if args[0] == "validate" else result.stdout
        warnings = [line for line in printed.splitlines() if ": warning: " in line]
        assert len(warnings) == 4, printed
        text = "\n".join(warnings)
        assert "ims.yaml:9:" in text and "ISO27001:2022/8.3 is a requirement of ISO27001:2022, but this entry belongs to qms" in text
        assert "ISO20000-1:2018/8.1 is a requirement of ISO20000-1:2018, which no management system of this IMS claims" in text
        assert "lists ISO9001:2015/5.2, but no rule reads document tags" in text
        assert "ims.yaml:11:" in text and "soa-old" in text and "ISO27001:2013" in text
        assert "ISO9001:2015/8.3.2" not in text
    assert run_cli("validate", str(path)).exit_code == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert [w["line"] for w in report["warnings"]] == [9, 9, 9, 11]
    assert all(set(w) == {"file", "line", "message"} for w in report["warnings"])


def test_warnings_do_not_change_the_exit_code(tmp_path):
    clean = write(tmp_path / "a", "ims.yaml", IMS.split("soa:")[0].replace(', "ISO27001:2022/8.3", "ISO20000-1:2018/8.1", "ISO9001:2015/5.2"', ""))
    noisy = write(tmp_path / "b", "ims.yaml", IMS)
    assert run_cli("check", str(clean), "--as-of", "2025-06-30").exit_code == run_cli("check", str(noisy), "--as-of", "2025-06-30").exit_code


def test_validate_chooses_the_rules_as_check_does(tmp_path):
    # With only a custom rule pack, no rule reads document tags: both commands say so for every tag, and agree.
    path = write(tmp_path, "ims.yaml", IMS)
    rules = str(Path(__file__).parent / "data")
    validated = run_cli("validate", str(path), "--no-builtin", "--rules", rules)
    assert validated.exit_code == 0, validated.stderr
    checked = run_cli("check", str(path), "--as-of", "2025-06-30", "--no-builtin", "--rules", rules, "--json", str(tmp_path / "r.json"))
    report = json.loads((tmp_path / "r.json").read_text())
    printed = [line.split(": warning: ", 1)[1] for line in validated.stderr.splitlines() if ": warning: " in line]
    assert sorted(w["message"] for w in report["warnings"]) == sorted(printed)
    assert "lists ISO9001:2015/8.3.2, but no rule reads document tags" in validated.stderr
    assert checked.exit_code in (0, 1)


def test_validate_without_builtin_rules_needs_a_rules_folder(tmp_path):
    done = run_cli("validate", str(write(tmp_path, "ims.yaml", IMS)), "--no-builtin")
    assert done.exit_code == 2 and "--no-builtin needs at least one --rules folder" in done.stderr
