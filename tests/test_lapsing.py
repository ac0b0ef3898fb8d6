"""Waivers, and the horizon for warning before they lapse."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from imscheck.api import CheckOptions, check_result
from imscheck.errors import UsageError
from imscheck.reports import console, json_report, junit_report
from imscheck.verdicts.lapsing import Duration, Lapsing, lapsing_soon, parse_duration

from .conftest import run_cli, write

AS_OF = dt.date(2025, 6, 30)
IMS = """\
organisation: {id: acme, name: Acme Hosting Ltd}
management_systems:
  - id: qms
    standard: "ISO9001:2015"
    scope: {statement: Hosting services}
roles:
  - {id: r-qm, name: Quality manager, management_systems: [qms]}
documents:
  - {id: doc-proc, title: Design procedure, kind: document, management_systems: [qms], status: draft, version: "1", path: proc.md}
"""
NOT_APPROVED = "dd6d638375e774b56cc472be1da3a0c0"  # DOC01.not-approved about doc-proc/status


def checked(tmp_path, waivers: str = "", **options):
    write(tmp_path, "ims.yaml", IMS + waivers)
    write(tmp_path, "proc.md", "Design procedure, draft\n")
    return check_result(CheckOptions(path=tmp_path, as_of=AS_OF, git=False, **options))


def waiver(target: str, expires: str = "2025-12-31", owner: str = "r-qm", wid: str = "w-1") -> str:
    return f"""\
waivers:
  - id: {wid}
    management_systems: [qms]
    {target}
    justification: The procedure is being rewritten for the new design tool; approval follows in Q3.
    owner: {owner}
    approved_by: r-qm
    expires: "{expires}"
"""


def by_id(result):
    return {v.requirement: v for v in result.verdicts}


@pytest.mark.parametrize("text, expected, end", [
    ("30d", Duration(0, 30), "2025-07-30"), ("8w", Duration(0, 56), "2025-08-25"),
    ("3m", Duration(3, 0), "2025-09-30"), ("1y", Duration(12, 0), "2026-06-30")])
def test_durations(text, expected, end):
    assert parse_duration(text) == expected
    assert parse_duration(text).after(AS_OF).isoformat() == end


@pytest.mark.parametrize("text", ["", "30", "d30", "3 months", "-3m", "2.5w"])
def test_a_bad_duration_says_how_to_write_one(text):
    with pytest.raises(UsageError, match=r"--warn-within .*30d \(days\), 8w \(weeks\), 3m \(months\) or 1y"):
        parse_duration(text)


def test_lapsing_soon_keeps_what_lapses_within_the_horizon_only():
    items = [Lapsing("waiver", name, dt.date.fromisoformat(day), "w.yaml", 1, "x")
             for name, day in (("past", "2025-06-30"), ("soon", "2025-07-30"), ("later", "2025-07-31"))]
    assert [i.id for i in lapsing_soon(items, AS_OF, Duration(0, 30))] == ["soon"]


def test_a_finding_waiver_makes_every_requirement_it_affects_waived_never_met(tmp_path):
    before = by_id(checked(tmp_path))
    assert before["ISO9001:2015/7.5.2"].status == "unmet"
    result = checked(tmp_path, waiver(f"finding: {NOT_APPROVED}"))
    verdicts = by_id(result)
    for rid in ("ISO9001:2015/7.5.2", "ISO9001:2015/7.5.3", "ISO9001:2015/7.5.3.1", "ISO9001:2015/7.5.3.2"):
        assert verdicts[rid].status == "waived" and verdicts[rid].reasons == () and verdicts[rid].evidence == ()
        assert [w.id for _, w in verdicts[rid].waived] == ["w-1"]
    finding = next(f for f in result.findings if f.fingerprint == NOT_APPROVED)
    assert finding.waiver == "w-1"
    assert result.summary()["ISO9001:2015"]["waived"] == 4
    records = json.loads(json_report.render(result))
    record = next(r for r in records["results"] if r["requirement"] == "ISO9001:2015/7.5.2")
    assert record["status"] == "waived"
    assert record["waivers"] == [{"id": "w-1", "justification": "The procedure is being rewritten for the new design tool; approval follows in Q3.",
                                  "owner": "r-qm", "approved_by": "r-qm", "expires": "2025-12-31",
                                  "covers": [{"code": "DOC01.not-approved", "message": before["ISO9001:2015/7.5.2"].reasons[0].message}]}]
    assert next(f for f in records["findings"] if f["fingerprint"] == NOT_APPROVED)["waiver"] == "w-1"
    case = next(c for c in ET.fromstring(junit_report.render(result)).iter("testcase") if c.get("name").startswith("ISO9001:2015/7.5.2 "))
    skipped = case.find("skipped")
    assert skipped is not None and case.find("failure") is None
    assert skipped.get("message") == skipped.text == ("waived: waived by w-1 until 2025-12-31 (owner r-qm, approved by r-qm): "
                                                     "The procedure is being rewritten for the new design tool; approval follows in Q3.")
    text = console.render(result)
    assert "4 requirements waived (not met; accepted for a time):" in text
    assert "  WAIVED ISO9001:2015/7.5.2 Creating and updating: waived by w-1 until 2025-12-31" in text


def test_a_requirement_waiver_waives_that_requirement_only(tmp_path):
    verdicts = by_id(checked(tmp_path, waiver('requirement: "ISO9001:2015/9.1.2"')))
    assert verdicts["ISO9001:2015/9.1.2"].status == "waived"
    assert verdicts["ISO9001:2015/9.1.3"].status == "unmet"
    assert verdicts["ISO9001:2015/9.1"].status == "unmet"  # its other sub-clauses still fail


@pytest.mark.parametrize("expires, owner, code, attribute", [
    ("2025-06-30", "r-qm", "waiver.expired", "/waivers/0/expires"),
    ("2025-12-31", "r-nobody", "waiver.owner-unknown", "/waivers/0/owner")])
def test_an_expired_or_ownerless_waiver_waives_nothing_and_says_why(tmp_path, expires, owner, code, attribute):
    verdicts = by_id(checked(tmp_path, waiver(f"finding: {NOT_APPROVED}", expires=expires, owner=owner)))
    verdict = verdicts["ISO9001:2015/7.5.2"]
    assert verdict.status == "unmet"
    assert sorted((r.code, r.pointer) for r in verdict.reasons) == [("DOC01.not-approved", "/documents/0"), (code, attribute)]


def test_a_waiver_for_something_that_is_not_unmet_is_noted(tmp_path):
    # Since every met needs evidence, nothing in this small IMS is met: a finding that is not there stands in.
    gone = "f" * 32
    result = checked(tmp_path, waiver(f"finding: {gone}"))
    assert not any(v.status == "waived" for v in result.verdicts)
    assert (f"waiver w-1 covers finding {gone}, which is not unmet in the management systems it names: remove the waiver"
            in result.notes)


def test_warn_within_lists_waivers_about_to_expire(tmp_path):
    text = waiver(f"finding: {NOT_APPROVED}", expires="2025-07-20") + waiver('requirement: "ISO9001:2015/9.1.2"', wid="w-2").split("\n", 1)[1]
    result = checked(tmp_path, text, warn_within="4w")
    assert [w.render() for w in result.warnings] == [f"ims.yaml:17:1: warning: waiver w-1 (finding {NOT_APPROVED}) lapses on 2025-07-20"]
    assert checked(tmp_path, text).warnings == ()


def test_warn_within_on_the_command_line(tmp_path):
    write(tmp_path, "ims.yaml", IMS + waiver(f"finding: {NOT_APPROVED}", expires="2025-07-20"))
    write(tmp_path, "proc.md", "x\n")
    done = run_cli("check", str(tmp_path), "--as-of", "2025-06-30", "--no-git", "--warn-within", "30d")
    assert done.exit_code == 1
    assert f"ims.yaml:17:1: warning: waiver w-1 (finding {NOT_APPROVED}) lapses on 2025-07-20" in done.stdout.splitlines()
    bad = run_cli("check", str(tmp_path), "--as-of", "2025-06-30", "--no-git", "--warn-within", "soon")
    assert bad.exit_code == 2 and "--warn-within soon: not a duration" in bad.stderr


def test_a_waiver_names_a_finding_or_a_requirement(tmp_path):
    done = run_cli("validate", str(write(tmp_path, "ims.yaml", IMS + waiver("owner_note: none").replace("    owner_note: none\n", ""))))
    assert done.exit_code == 2 and "ims.yaml:" in done.stderr
