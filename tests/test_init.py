"""init scaffolds a repository that validates and has nothing met; add-standard adds one more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from imscheck.knowledge.catalogue import load_catalogue

from .conftest import run_cli, write


@pytest.fixture
def scaffold(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "new-ims"
    result = run_cli("init", str(folder), "--standard", "ISO9001:2015", "--standard", "ISO20000-1:2018", "--standard", "ISO27001:2022")
    assert result.exit_code == 0, result.stderr
    assert "Next steps:" in result.stdout and "imscheck check" in result.stdout
    monkeypatch.chdir(folder)
    return folder


def test_the_scaffold_validates(scaffold):
    result = run_cli("validate")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # not even a warning


def test_check_on_the_scaffold_lists_what_to_do_and_nothing_met(scaffold):
    result = run_cli("check", "--json", "report.json")
    assert result.exit_code == 1
    report = json.loads((scaffold / "report.json").read_text())
    statuses = {r["status"] for r in report["results"]}
    assert statuses == {"unmet"}
    assert set(report["standards"]) == {"ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022"}
    assert all(not counts["not_evaluated"] for counts in report["summary"].values())


def test_every_annex_a_control_has_an_undecided_soa_line_that_is_unmet(scaffold):
    soa = yaml.safe_load((scaffold / "ims" / "soa-iso27001.yaml").read_text())["soa"]
    controls = [r.id for r in load_catalogue().of_standard("ISO27001:2022") if r.annex]
    assert [line["control"] for line in soa] == controls and len(controls) == 93
    assert all(line["applicable"] and not line["implemented"] and line["justification"].startswith("TO DO") for line in soa)
    run_cli("check", "--json", "report.json")
    report = json.loads((scaffold / "report.json").read_text())
    assert {r["status"] for r in report["results"] if r["requirement"] in controls} == {"unmet"}


def test_attestation_stubs_name_every_requirement_decided_by_attestation(scaffold):
    text = (scaffold / "ims" / "attestations.yaml").read_text()
    wanted = [r.id for s in ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022")
              for r in load_catalogue().of_standard(s) if r.attestation]
    assert wanted and all(f'#   requirement: "{rid}"' in text for rid in wanted)
    assert yaml.safe_load(text) == {"attestations": []}  # stubs only: none counts as given


def test_the_scaffold_has_configuration_evidence_folder_and_ci_files(scaffold):
    for name in (".imscheck.yaml", "evidence/README.md", ".pre-commit-config.yaml", ".github/workflows/imscheck.yml", ".gitlab-ci.yml"):
        assert (scaffold / name).is_file(), name


def test_init_never_overwrites(scaffold):
    organisation = scaffold / "ims" / "organisation.yaml"
    organisation.write_text("organisation: {id: mine, name: Mine}\n")
    (scaffold / "ims" / "soa-iso27001.yaml").unlink()
    result = run_cli("init", ".", "--standard", "ISO27001:2022")
    assert result.exit_code == 2 and "ims/organisation.yaml" in result.stderr and "never overwrites" in result.stderr
    assert organisation.read_text() == "organisation: {id: mine, name: Mine}\n"
    assert not (scaffold / "ims" / "soa-iso27001.yaml").exists()  # nothing at all was written


@pytest.mark.parametrize("args, message", [
    ((), "at least one standard"),
    (("--standard", "ISO9001:2014"), "unknown standard id"),
    (("--standard", "ISO27001:2022", "--standard", "ISO27001:2013"), "one edition of ISO27001"),
])
def test_init_usage_errors(tmp_path, args, message):
    result = run_cli("init", str(tmp_path / "x"), *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "x").exists()


def test_add_standard_writes_a_management_system_and_names_what_to_extend(tmp_path, monkeypatch):
    assert run_cli("init", str(tmp_path / "r"), "--standard", "ISO9001:2015").exit_code == 0
    monkeypatch.chdir(tmp_path / "r")
    result = run_cli("add-standard", "ISO27001:2022")
    assert result.exit_code == 0, result.stderr
    assert "roles: ims-manager (ims/to-do.yaml:5)" in result.stdout
    assert "documents: scope-qms" in result.stdout
    assert (tmp_path / "r" / "ims" / "management-system-iso27001.yaml").is_file()
    assert (tmp_path / "r" / "ims" / "soa-iso27001.yaml").is_file()
    assert run_cli("validate").exit_code == 0
    again = run_cli("add-standard", "ISO27001:2013")
    assert again.exit_code == 2 and "already claims ISO27001:2022" in again.stderr


def test_add_standard_to_an_ims_folder_given_as_path(tmp_path):
    write(tmp_path / "ims", "ims.yaml", "organisation: {id: o, name: O}\nmanagement_systems:\n"
          "  - {id: qms, standard: 'ISO9001:2015', scope: {statement: All}}\n")
    result = run_cli("add-standard", "ISO20000-1:2018", str(tmp_path / "ims"))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "ims" / "management-system-iso20000-1.yaml").is_file()
    assert run_cli("validate", str(tmp_path / "ims")).exit_code == 0
