"""The command line: exit codes 0/1/2, usage errors, and reports that are whole or absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imscheck import api

from .conftest import run_cli, write
from .test_reports import DATA, IMS

COMPLETE = IMS.replace('management_systems: [qms], record: minutes}', 'management_systems: [qms, isms], record: minutes}')


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "ims", "ims.yaml", COMPLETE)
    (tmp_path / "ims" / "minutes.md").write_text("minutes")
    return tmp_path / "ims"


def check(folder: Path, *extra: str):
    return run_cli("check", str(folder), "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin", *extra)


def test_exit_0_when_every_evaluated_requirement_is_met(folder):
    result = check(folder, "--standard", "ISO9001:2015")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Result: every evaluated requirement is met." in result.stdout


def test_exit_1_when_something_is_unmet(folder):
    (folder / "minutes.md").unlink()
    result = check(folder)
    assert result.exit_code == 1
    # One finding, once, with where to fix it and every requirement it affects.
    assert "1 finding affecting 4 requirements in 2 standards:" in result.stdout
    assert "  1. ims.yaml:12:75 TST01.record\n     The record of management review mr is not an evidence file that exists." in result.stdout
    assert "       ISO9001:2015/9.3.1 General\n" in result.stdout and "       ISO27001:2022/9.3.1 General\n" in result.stdout


def test_unknown_standard_is_a_usage_error(folder):
    result = check(folder, "--standard", "ISO9001:2016")
    assert result.exit_code == 2
    assert "--standard ISO9001:2016: unknown standard id" in result.stderr


def test_standard_the_ims_does_not_claim_is_a_usage_error(folder):
    result = check(folder, "--standard", "ISO20000-1:2018")
    assert result.exit_code == 2 and "claims no management system for it" in result.stderr


def test_bad_as_of_is_a_usage_error(folder):
    result = check(folder, "--as-of", "30/06/2025")
    assert result.exit_code == 2 and "not a date" in result.stderr


def test_report_into_a_missing_folder_fails_before_any_work(folder, tmp_path):
    result = check(folder, "--json", str(tmp_path / "nope" / "r.json"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "nope").exists()


def test_input_error_leaves_the_previous_report_untouched(folder, tmp_path):
    report = tmp_path / "r.json"
    report.write_text("previous")
    (folder / "bad.yaml").write_text("processes: [{id: x}]\n")
    result = check(folder, "--json", str(report))
    assert result.exit_code == 2
    assert "bad.yaml:1:13: /processes/0: 'name' is required here" in result.stderr
    assert report.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".r.json")] == []


def test_two_reports_to_stdout_is_a_usage_error(folder):
    result = check(folder, "--json", "-", "--junit", "-")
    assert result.exit_code == 2 and "only one report" in result.stderr


def test_unexpected_errors_exit_2_with_one_line_and_no_traceback(folder, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(api, "build_facts", broken)
    monkeypatch.delenv("IMSCHECK_DEBUG", raising=False)
    result = check(folder)
    assert result.exit_code == 2
    assert result.stderr == "imscheck: internal error: RuntimeError: boom (set IMSCHECK_DEBUG=1 to see the traceback)\n"


def test_catalogue_json_lists_requirements_with_their_harmonized_clause():
    result = run_cli("catalogue", "--standard", "ISO27001:2022", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    by_id = {r["id"]: r for r in records}
    assert by_id["ISO27001:2022/9.3.1"]["clause"] == "9.3.1"
    assert by_id["ISO27001:2022/9.3.1"]["harmonized_structure"]
    assert by_id["ISO27001:2022/A.5.19"]["harmonized_structure"] is None
    assert {r["standard"] for r in records} == {"ISO27001:2022"}


def test_matrix_json_has_from_to_relation():
    result = run_cli("matrix", "--from", "ISO9001:2015", "--to", "ISO27001:2022", "--format", "json")
    rows = json.loads(result.stdout)
    assert rows and all(r["from"].startswith("ISO9001:2015/") and r["to"].startswith("ISO27001:2022/") for r in rows)
    assert {r["relation"] for r in rows} <= {"equal", "subset", "superset", "intersect"}


def test_verify_runs_rule_examples_like_a_test_runner(tmp_path):
    result = run_cli("verify", str(DATA), "--junit", str(tmp_path / "v.xml"))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "2 passed, 0 failed"
    assert 'tests="2"' in (tmp_path / "v.xml").read_text()


def test_verify_reports_a_failing_example(tmp_path):
    text = (DATA / "review-rule.yaml").read_text().replace("reasons: [{code: held, at: /management_systems/0}]\n        - requirement: ISO9001:2015/7.1.5.2", "reasons: [{code: held, at: /management_systems/9}]\n        - requirement: ISO9001:2015/7.1.5.2", 1)
    (tmp_path / "rule.yaml").write_text(text)
    result = run_cli("verify", str(tmp_path))
    assert result.exit_code == 1
    assert "FAIL TST01::fail::none" in result.stdout
    assert "expected ISO9001:2015/9.3.1 unmet [TST01.held at /management_systems/9], but it was not reported" in result.stdout


def test_a_report_to_a_special_file_writes_into_it_and_leaves_it_in_place(folder, tmp_path):
    """Renaming over /dev/null or a pipe would replace the device with a regular file."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = check(folder, "--json", str(fifo))
    reader.join(timeout=10)
    assert result.exit_code == 0
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].startswith("{")


def test_durable_engine_without_the_extra_says_how_to_install_it(folder, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "durable", None)  # as if durable-rules were not installed
    result = check(folder, "--engine", "durable")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("imscheck: --engine durable needs the durable-rules extra: pip install 'imscheck[durable]'")


def test_an_interrupted_run_exits_130_and_leaves_the_previous_report(folder, tmp_path, monkeypatch):
    report = tmp_path / "r.json"
    report.write_text("previous")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(api, "build_facts", interrupted)
    result = check(folder, "--json", str(report))
    assert result.exit_code == 130 and "interrupted; no report was written" in result.stderr
    assert report.read_text() == "previous" and sorted(p.name for p in tmp_path.iterdir()) == ["ims", "r.json"]
