"""Browsing what imscheck knows: catalogue, matrix and explain in every format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from imscheck import resources

from .conftest import run_cli


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_catalogue_formats_list_the_same_requirements(fmt):
    result = run_cli("catalogue", "--standard", "ISO20000-1:2018", "--format", fmt)
    assert result.exit_code == 0
    expected = json.loads(run_cli("catalogue", "--standard", "ISO20000-1:2018", "--format", "json").stdout)
    ids = [r["id"] for r in expected]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [r["requirement"] for r in rows] == ids and rows[0]["summary"]
    elif fmt == "markdown":
        lines = result.stdout.splitlines()
        assert lines[1].startswith("|---") and len(lines) == len(ids) + 2
    elif fmt == "table":
        assert len(result.stdout.splitlines()) == len(ids) + 1
    assert "ISO20000-1:2018/8.7.3.3" in ids


def test_matrix_markdown_is_a_cross_reference_with_titles_and_differences():
    result = run_cli("matrix", "--from", "ISO9001:2015", "--to", "ISO20000-1:2018", "--format", "markdown")
    header = result.stdout.splitlines()[0]
    assert header == "| ISO9001:2015 | title | relation | ISO20000-1:2018 | title | difference | basis |"
    assert "| ISO9001:2015/9.3.2 | Management review inputs | intersect | ISO20000-1:2018/9.3 | Management review |" in result.stdout


def test_matrix_reads_both_ways():
    forward = json.loads(run_cli("matrix", "--from", "ISO9001:2015", "--to", "ISO27001:2022", "--format", "json").stdout)
    backward = json.loads(run_cli("matrix", "--from", "ISO27001:2022", "--to", "ISO9001:2015", "--format", "json").stdout)
    inverse = {"subset": "superset", "superset": "subset"}
    assert sorted((r["to"], r["from"], inverse.get(r["relation"], r["relation"])) for r in forward) == \
        sorted((r["from"], r["to"], r["relation"]) for r in backward)


def test_explain_shows_correlations_both_ways_and_deciding_rules():
    result = run_cli("explain", "ISO20000-1:2018/9.3", "--format", "json")
    record = json.loads(result.stdout)
    assert record["title"] == "Management review" and record["harmonized_structure"] == "9.3"
    related = {c["requirement"]: c["relation"] for c in record["correlations"]}
    assert related["ISO27001:2022/9.3.1"] == "superset"  # 20000-1 9.3 asks for more than 27001 9.3.1
    assert related["ISO9001:2015/9.3.2"] == "intersect"  # written the other way round in the data
    assert {r["id"] for r in record["rules"]} == {"MR01", "MR02", "MR03"}
    assert record["rules"][0]["file"].startswith("rules/checks/")


def test_explain_text_and_unknown_id():
    text = run_cli("explain", "ISO27001:2022/A.5.19")
    assert text.exit_code == 0 and "Information security in supplier relationships" in text.stdout
    unknown = run_cli("explain", "ISO27001:2022/A.5.99")
    assert unknown.exit_code == 2 and "is not a requirement imscheck knows" in unknown.stderr


def test_unknown_format_is_a_usage_error():
    result = run_cli("catalogue", "--format", "xlsx")
    assert result.exit_code == 2 and "--format xlsx: use one of table, json, csv, markdown" in result.stderr


def test_coverage_json_lists_every_requirement_with_how_it_is_decided():
    records = json.loads(run_cli("coverage", "--format", "json").stdout)
    by_id = {r["requirement"]: r for r in records}
    assert by_id["ISO27001:2022/9.3.1"]["decided_by"] == ["MR01"] and by_id["ISO27001:2022/9.3.1"]["attestation"] is False
    assert by_id["ISO20000-1:2018/9.3"]["decided_by"] == ["MR01", "MR02", "MR03"]
    assert {r["standard"] for r in records} == {"ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022", "ISO27001:2013"}
    assert all(set(r) >= {"requirement", "decided_by", "attestation"} for r in records)


def test_coverage_table_counts_per_standard():
    lines = run_cli("coverage", "--standard", "ISO27001:2022").stdout.splitlines()
    assert lines[0].split() == ["standard", "requirements", "rules", "attestation", "sub-clauses", "nothing"]
    cells = lines[1].split()
    assert cells[0] == "ISO27001:2022" and int(cells[1]) == 134
    assert int(cells[2]) + int(cells[3]) + int(cells[4]) + int(cells[5]) == 134


def test_every_requirement_of_the_current_standards_is_decided_or_attested():
    # The definition of done: no requirement without a rule or an attestation
    # mark (headings count when every sub-clause is covered).
    records = json.loads(run_cli("coverage", "--format", "json").stdout)
    nothing = [r["requirement"] for r in records if not r["covered"]]
    assert nothing == []
    by_id = {r["requirement"]: r for r in records}
    assert by_id["ISO27001:2022/A.5.19"]["decided_by"] == ["CTL01"]
    assert by_id["ISO27001:2013/A.15.1.1"]["decided_by"] == ["CTL01"]
    assert by_id["ISO20000-1:2018/8.6.1"]["decided_by"] == ["DI01", "PX01"]
    assert by_id["ISO9001:2015/7.3"]["attestation"] is True and by_id["ISO9001:2015/7.3"]["decided_by"] == []
    assert by_id["ISO9001:2015/8.3"]["via_subclauses"] is True


def test_coverage_counts_a_requirement_with_nothing():
    # With a single rule, the rest shows as 'nothing', and a heading is covered only when
    # all of its sub-clauses are.
    from imscheck.commands.browse import coverage_records
    from imscheck.knowledge.catalogue import load_catalogue
    from imscheck.knowledge.rulebook import load_rules

    catalogue = load_catalogue()
    rules, _ = load_rules(catalogue, resources.data_dir("rules") / "checks")
    records = {r["requirement"]: r for r in coverage_records(catalogue, [r for r in rules if r.id == "MR01"], ["ISO9001:2015"])}
    assert records["ISO9001:2015/9.3.1"]["covered"] is True
    assert records["ISO9001:2015/9.3.2"]["covered"] is False and records["ISO9001:2015/9.3"]["covered"] is False
    assert records["ISO9001:2015/7.3"]["covered"] is True and records["ISO9001:2015/7.3"]["attestation"] is True


NEW_IN_2022 = {f"ISO27001:2022/{c}" for c in ("A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11",
                                             "A.8.12", "A.8.16", "A.8.23", "A.8.28")}


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_matrix_2013_to_2022_lists_the_new_controls_without_counterpart(fmt):
    result = run_cli("matrix", "--from", "ISO27001:2013", "--to", "ISO27001:2022", "--format", fmt)
    assert result.exit_code == 0
    if fmt == "json":
        rows = json.loads(result.stdout)
        empty = [r for r in rows if r["from"] is None]
        assert {r["to"] for r in empty} == NEW_IN_2022
        assert all(r["relation"] is None and r["note"] == "Without counterpart in ISO27001:2013." for r in empty)
        assert not NEW_IN_2022 & {r["to"] for r in rows if r["from"] is not None}
        return
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        empty = {r["ISO27001:2022"] for r in rows if r["ISO27001:2013"] == "(no counterpart)"}
        assert all(r["relation"] == "none" for r in rows if r["ISO27001:2013"] == "(no counterpart)")
    else:
        lines = result.stdout.splitlines()
        marker = "| (no counterpart) |" if fmt == "markdown" else "(no counterpart)"
        empty = {next(w for w in line.replace("|", " ").split() if w in NEW_IN_2022)
                 for line in lines if line.startswith(marker)}
    assert empty == NEW_IN_2022


def test_matrix_read_backwards_puts_the_new_controls_on_the_left():
    rows = json.loads(run_cli("matrix", "--from", "ISO27001:2022", "--to", "ISO27001:2013", "--format", "json").stdout)
    assert {r["from"] for r in rows if r["to"] is None} == NEW_IN_2022
    table = run_cli("matrix", "--from", "ISO27001:2022", "--to", "ISO27001:2013").stdout
    assert "ISO27001:2022/A.8.28  none       (no counterpart)" in table


def test_matrix_between_other_standards_has_no_gap_rows():
    rows = json.loads(run_cli("matrix", "--from", "ISO9001:2015", "--to", "ISO27001:2022", "--format", "json").stdout)
    assert rows and all(r["from"] and r["to"] and r["relation"] for r in rows)


def test_explain_says_a_new_control_has_no_2013_counterpart():
    record = json.loads(run_cli("explain", "ISO27001:2022/A.8.9", "--format", "json").stdout)
    assert record["without_counterpart_in"] == ["ISO27001:2013"]
    assert [c["requirement"] for c in record["correlations"]] == ["ISO20000-1:2018/8.2.6"]
    assert record["documented_information"] == [
        {"kind": "maintained", "subject": "configurations, including security configurations, of hardware, software, services and networks"}]
    text = run_cli("explain", "ISO27001:2022/A.8.9").stdout
    assert "  none      without counterpart in ISO27001:2013" in text
    old = json.loads(run_cli("explain", "ISO27001:2022/A.5.19", "--format", "json").stdout)
    assert old["without_counterpart_in"] == []
    assert "without counterpart" not in run_cli("explain", "ISO27001:2022/A.5.19").stdout


def test_markdown_rows_escape_what_markdown_would_obey():
    from imscheck.commands.browse import render_rows

    text = render_rows([{"a": "x | y\n*z* [l](u) <b>"}], [("a", "A")], "markdown")
    assert text.splitlines()[2] == "| x \\| y \\*z\\* \\[l\\](u) \\<b\\> |"
