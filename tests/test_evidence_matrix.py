"""imscheck evidence-matrix: which evidence serves what, and integration advice (commands/evidence_matrix.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from imscheck.commands.evidence_matrix import build
from imscheck.knowledge.catalogue import load_catalogue
from imscheck.load.ims import load_ims
from imscheck.verdicts.decision import MET, Result, Verdict

from .conftest import run_cli, write
from .golden import AS_OF, EXAMPLES


def matrix(name: str, fmt: str = "json"):
    result = run_cli("evidence-matrix", str(EXAMPLES / name), "--as-of", AS_OF.isoformat(), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout) if fmt == "json" else result.stdout


@pytest.fixture(scope="module")
def northwind():
    return matrix("northwind-services")


def test_evidence_is_listed_where_it_does_its_work(northwind):
    by_id = {e["id"]: e for e in northwind["evidence"]}
    scope = by_id["ims-scope-statement"]
    assert (scope["type"], scope["path"]) == ("document", "evidence/scope/ims-scope-statement.md")
    assert scope["management_systems"] == ["qms", "sms", "isms"]
    for standard in ("ISO9001:2015", "ISO20000-1:2018", "ISO27001:2022"):
        assert f"{standard}/4.3" in scope["serves"][standard]
    # An attestation serves the requirement it was given for.
    assert by_id["att-qms-5-1-1-leadership"]["serves"] == {"ISO9001:2015": ["ISO9001:2015/5.1.1"]}
    # Headings that only gather their sub-clauses' evidence are left out; unmet requirements have no evidence.
    served = {rid for e in northwind["evidence"] for ids in e["serves"].values() for rid in ids}
    assert not served & {"ISO9001:2015/9", "ISO9001:2015/8", "ISO27001:2022/7.5.2", "ISO20000-1:2018/7.4"}
    assert "ISO9001:2015/8.4.1" in served


def test_scopes_that_part_and_links_across_their_edges(northwind):
    advice = northwind["advice"]
    assert [(s["kind"], s["id"], s["in_scope_of"], s["outside_scope_of"]) for s in advice["scopes"]] == [
        ("unit", "customer-training", ["qms", "sms"], ["isms"]),
        ("location", "bath-training-centre", ["qms", "sms"], ["isms"]),
    ]
    assert [(c["management_system"], c["kind"], c["inside"], c["outside"]) for c in advice["scope_crossings"]] == [
        ("isms", "service-unit", "managed-hosting", "customer-training"),
        ("isms", "service-unit", "it-service-desk", "customer-training"),
    ]
    # Northwind integrates most of its evidence. Its one exception: ISO 9001 9.1.1 asks for less than
    # ISO/IEC 27001 9.1 (a subset), yet each is met by a report of its own system, so one
    # integrated monitoring practice could serve both. Nothing is a candidate for merging.
    assert [(m["requirements"], m["relation"]) for m in advice["met_twice"]] == [
        (["ISO9001:2015/9.1.1", "ISO27001:2022/9.1"], "subset")]
    assert advice["merge"] == []


def test_requirements_met_twice_by_separate_evidence():
    fjord = matrix("fjord-accounting")
    twice = [(t["requirements"][0], t["relation"], t["requirements"][1]) for t in fjord["advice"]["met_twice"]]
    assert twice == [("ISO9001:2015/5.1.1", "superset", "ISO27001:2022/5.1"),
                     ("ISO9001:2015/6.3", "superset", "ISO27001:2022/6.3"),
                     ("ISO9001:2015/7.1.1", "superset", "ISO27001:2022/7.1"),
                     ("ISO9001:2015/10.3", "superset", "ISO27001:2022/10.1")]
    first = fjord["advice"]["met_twice"][0]
    assert not set(first["evidence"]["ISO9001:2015/5.1.1"]) & set(first["evidence"]["ISO27001:2022/5.1"])
    # One company-wide scope: nothing parts.
    assert fjord["advice"]["scopes"] == [] and fjord["advice"]["scope_crossings"] == []


TWO_POLICIES = """\
organisation: {id: acme, name: Acme}
management_systems:
  - {id: qms, standard: "ISO9001:2015", scope: {statement: Hosting}}
  - {id: isms, standard: "ISO27001:2022", scope: {statement: Hosting}}
documents:
  - {id: quality-policy, title: Quality policy, kind: document, management_systems: [qms], requirements: ["ISO9001:2015/5.2"], path: q.md}
  - {id: security-policy, title: Security policy, kind: document, management_systems: [isms], requirements: ["ISO27001:2022/5.2"], path: s.md}
  - {id: handbook, title: Handbook, kind: document, management_systems: [isms], path: h.md}
  - {id: policy-minutes, title: Minutes, kind: record, management_systems: [isms], requirements: ["ISO27001:2022/5.2"], path: m.md}
"""


def test_documents_of_two_systems_written_for_correlated_requirements_could_be_merged(tmp_path):
    write(tmp_path, "ims.yaml", TWO_POLICIES)
    ims = load_ims(tmp_path / "ims.yaml", lambda rid: True)
    verdicts = (Verdict("ISO9001:2015/5.2", "ISO9001:2015", "Policy", MET, evidence=("quality-policy",)),
                Verdict("ISO27001:2022/5.2", "ISO27001:2022", "Policy", MET,
                        evidence=("handbook", "policy-minutes", "security-policy")))
    result = Result(dt.date(2025, 6, 30), ("ISO9001:2015", "ISO27001:2022"), verdicts)
    built = build(ims, result, load_catalogue())
    # The two policies; not the handbook (it names no requirement) nor the minutes (a record).
    assert [(m["documents"], m["requirements"]) for m in built.merge] == [
        (["quality-policy", "security-policy"], [["ISO9001:2015/5.2", "ISO27001:2022/5.2", "superset"]])]
    assert "one integrated document" in built.merge[0]["advice"]
    assert [t["requirements"] for t in built.met_twice] == [["ISO9001:2015/5.2", "ISO27001:2022/5.2"]]
    # Shared evidence is neither a merge candidate nor met twice.
    shared = tuple(Verdict(v.requirement, v.standard, v.title, MET, evidence=v.evidence + ("quality-policy",)) for v in verdicts)
    again = build(ims, Result(result.as_of, result.standards, shared), load_catalogue())
    assert again.merge == [] and again.met_twice == []


def test_markdown_and_csv_carry_the_matrix_and_the_advice():
    text = matrix("northwind-services", "markdown")
    assert text.startswith("# Evidence matrix, as of 2025-11-30\n")
    header = next(line for line in text.splitlines() if line.startswith("| Evidence |"))
    assert header == "| Evidence | Type | File | ISO9001:2015 | ISO20000-1:2018 | ISO27001:2022 |"
    assert "| ims-scope-statement | document | evidence/scope/ims-scope-statement.md | 4.3" in text
    assert "- service managed-hosting is in the scope of isms (ISO27001:2022) but is delivered partly by unit customer-training" in text
    rows = list(csv.DictReader(io.StringIO(matrix("northwind-services", "csv"))))
    sections = {r["section"] for r in rows}
    assert sections == {"serves", "met-twice", "scope", "scope-crossing"}
    served = [r for r in rows if r["section"] == "serves" and r["evidence"] == "ims-scope-statement"]
    assert {r["requirement"] for r in served} >= {"ISO9001:2015/4.3", "ISO20000-1:2018/4.3", "ISO27001:2022/4.3"}


def test_the_same_input_gives_the_same_bytes():
    for fmt, name in (("json", "evidence-matrix.json"), ("markdown", "evidence-matrix.md"), ("csv", "evidence-matrix.csv")):
        out = run_cli("evidence-matrix", str(EXAMPLES / "fjord-accounting"), "--as-of", AS_OF.isoformat(), "--format", fmt).stdout
        assert out == (EXAMPLES / "fjord-accounting" / "expected" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("args, says", [
    (("--format", "xml"), "--format xml: use one of markdown, csv, json"),
    (("--as-of", "yesterday"), "YYYY-MM-DD"),
])
def test_usage_errors_exit_2(args, says):
    result = run_cli("evidence-matrix", str(EXAMPLES / "northwind-services"), *args)
    assert result.exit_code == 2 and says in result.stderr and result.stdout == ""


def test_a_missing_ims_exits_2(tmp_path: Path):
    result = run_cli("evidence-matrix", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no such file or folder" in result.stderr and "Traceback" not in result.stderr


def test_a_unit_in_no_scope_and_a_site_outside_the_scope(tmp_path):
    write(tmp_path, "ims.yaml", """\
        organisation: {id: acme, name: Acme}
        locations:
          - {id: hq, name: Head office}
          - {id: lab, name: Lab}
        units:
          - {id: ops, name: Operations, locations: [hq, lab]}
          - {id: research, name: Research, locations: [lab]}
        management_systems:
          - {id: isms, standard: "ISO27001:2022", scope: {statement: Hosting, units: [ops], locations: [hq]}}
        """)
    ims = load_ims(tmp_path / "ims.yaml", lambda rid: True)
    built = build(ims, Result(dt.date(2025, 6, 30), ("ISO27001:2022",), ()), load_catalogue())
    assert [(s["kind"], s["id"], s["in_scope_of"]) for s in built.scopes] == [
        ("unit", "research", []), ("location", "lab", [])]
    assert "in no management system's scope" in built.scopes[0]["advice"]
    assert [(c["kind"], c["inside"], c["outside"]) for c in built.crossings] == [("unit-location", "ops", "lab")]
