"""--warn-within: what is current today but lapses within the given time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from imscheck.errors import UsageError
from imscheck.load.ims import load_ims
from imscheck.verdicts.lapsing import Duration, lapsing_soon, parse_duration, record_lapses

from .conftest import run_cli, with_minimal, write
from .test_reports import DATA

LAPSING = with_minimal("""\
    roles:
      - {id: mgr, name: Manager, management_systems: [qms, isms]}
    management_reviews:
      - {id: mr-old, date: "2024-05-01", management_systems: [qms]}
      - {id: mr-2025, date: "2025-02-10", management_systems: [qms, isms]}
    context_reviews:
      - {id: cr-1, date: "2024-12-01", management_systems: [isms]}
    attestations:
      - {id: att-old, requirement: "ISO9001:2015/5.1.1", management_systems: [qms], attested_by: mgr, date: "2024-03-01", evidence: Seen.}
      - {id: att-new, requirement: "ISO9001:2015/5.1.1", management_systems: [qms], attested_by: mgr, date: "2024-12-20", evidence: Seen.}
      - {id: att-short, requirement: "ISO9001:2015/7.1.1", management_systems: [qms], attested_by: mgr, date: "2025-01-10", evidence: Seen., valid_months: 6}
    documents:
      - {id: policy, title: Policy, kind: document, management_systems: [qms], last_reviewed: "2024-07-15", review_interval_months: 12}
      - {id: old-manual, title: Old manual, kind: document, management_systems: [qms], status: obsolete, last_reviewed: "2024-07-01"}
      - {id: far, title: Far, kind: document, management_systems: [qms], last_reviewed: "2025-06-01"}
    """)


@pytest.mark.parametrize("text, months, days", [
    ("90d", 0, 90), ("6w", 0, 42), ("3m", 3, 0), ("1y", 12, 0), ("1y6m", 18, 0), ("P3M", 3, 0), ("P1Y2M10D", 14, 10), ("p2w", 0, 14),
])
def test_parse_duration(text, months, days):
    assert parse_duration(text) == Duration(months, days)


@pytest.mark.parametrize("text", ["", "3", "soon", "P", "3x", "-1m"])
def test_a_bad_duration_is_a_usage_error(text):
    with pytest.raises(UsageError, match="not a duration"):
        parse_duration(text)


def test_lapsing_lists_what_falls_due_within_the_time_soonest_first(tmp_path: Path):
    write(tmp_path, "ims.yaml", LAPSING)
    ims = load_ims(tmp_path / "ims.yaml", lambda rid: True)
    as_of = dt.date(2025, 5, 1)
    found = lapsing_soon(record_lapses(ims, as_of), as_of, parse_duration("3m"))
    assert [(l.id, l.lapses.isoformat()) for l in found] == [("att-short", "2025-07-10"), ("policy", "2025-07-15")]
    wide = lapsing_soon(record_lapses(ims, as_of), as_of, parse_duration("1y"))
    assert [l.id for l in wide] == ["att-short", "policy", "cr-1", "att-new", "mr-2025", "mr-2025"]
    # superseded attestations, obsolete documents and what has already lapsed are not listed
    assert not {"att-old", "old-manual", "mr-old"} & {l.id for l in wide}


def test_check_warns_and_keeps_the_exit_code(tmp_path: Path):
    write(tmp_path / "ims", "ims.yaml", LAPSING)
    args = ["check", str(tmp_path / "ims"), "--as-of", "2025-05-01", "--rules", str(DATA), "--no-builtin", "--standard", "ISO9001:2015"]
    plain = run_cli(*args)
    warned = run_cli(*args, "--warn-within", "3m")
    assert warned.exit_code == plain.exit_code
    assert [line for line in warned.stdout.splitlines() if ": warning: " in line] == [
        "ims.yaml:22:1: warning: attestation att-short (of ISO9001:2015/7.1.1) lapses on 2025-07-10",
        "ims.yaml:24:1: warning: document_review policy (Policy) lapses on 2025-07-15",
    ]
    assert run_cli(*args, "--warn-within", "soon").exit_code == 2
