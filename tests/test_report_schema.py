"""schemas/report.schema.json describes the JSON report; every report imscheck writes is valid against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from imscheck import resources

from .conftest import run_cli, write
from .reportdata import EXAMPLE_NAMES, golden_json

SCHEMA = json.loads((resources.data_dir("schemas") / "report.schema.json").read_text(encoding="utf-8"))
DATA = Path(__file__).parent / "data"


def errors(report) -> list[str]:
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]


def test_the_schema_is_a_valid_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_examples_reports_are_valid(name):
    assert errors(golden_json(name, "report.json")) == []


def test_generated_reports_are_valid(tmp_path):
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", """\
        organisation: {id: acme, name: Acme}
        management_systems:
          - {id: qms, standard: "ISO9001:2015", scope: {statement: Hosting}}
          - {id: isms, standard: "ISO27001:2022", scope: {statement: Hosting}}
        """)
    for extra in ((), ("--rules", str(DATA), "--no-builtin")):
        out = tmp_path / "report.json"
        result = run_cli("check", str(folder), "--as-of", "2025-06-30", "--json", str(out), *extra)
        assert result.exit_code == 1, result.stderr
        assert errors(json.loads(out.read_text(encoding="utf-8"))) == []


def test_the_schema_catches_a_broken_contract():
    report = golden_json("northwind-services", "report.json")
    report["results"][0]["status"] = "passed"
    del report["findings"][0]["fingerprint"]
    report["summary"]["ISO9001:2015"].pop("groups")
    found = errors(report)
    assert len(found) == 3, found
