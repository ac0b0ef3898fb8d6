"""A run against a withdrawn edition says once, in every report, that it cannot be certified."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from imscheck.knowledge.withdrawn import withdrawn_notes

from .conftest import run_cli, write


@pytest.mark.parametrize("standard, last", [("ISO27001:2013", "2025-10-31"), ("ISO9001:2008", "2018-09-14"),
                                            ("ISO20000-1:2011", "2021-09-29")])
def test_the_note_appears_only_after_the_transition(standard, last):
    day = dt.date.fromisoformat(last)
    assert withdrawn_notes([standard], day) == ()
    [note] = withdrawn_notes([standard], day + dt.timedelta(days=1))
    assert note.startswith(standard + " ") and "no longer possible" in note
    assert withdrawn_notes(["ISO27001:2022", "ISO9001:2015"], dt.date(2030, 1, 1)) == ()


def test_every_report_says_it_once(tmp_path):
    path = write(tmp_path, "ims.yaml", """\
        management_systems:
          - {id: qms, standard: "ISO9001:2015", scope: {statement: Everything}}
          - {id: isms, standard: "ISO27001:2013", scope: {statement: Everything}}
        """)
    result = run_cli("check", str(path), "--as-of", "2025-11-30", "--json", str(tmp_path / "r.json"),
                     "--junit", str(tmp_path / "r.xml"))
    phrase = "ISO27001:2013 is withdrawn"
    assert result.stdout.count(phrase) == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert [n for n in report["notes"] if phrase in n] and sum(phrase in n for n in report["notes"]) == 1
    junit = (tmp_path / "r.xml").read_text()
    assert junit.count(phrase) == 1
    assert junit.index(phrase) > junit.index('name="ISO27001:2013"')  # in that standard's suite
    before = run_cli("check", str(path), "--as-of", "2025-10-31")
    assert phrase not in before.stdout
