"""Baselines: accepted findings by fingerprint; only new ones fail."""

from __future__ import annotations

import json

import pytest

from imscheck.errors import InputError
from imscheck.verdicts.baseline import Accepted, compare, read_baseline
from imscheck.verdicts.findings import Finding


def finding(mark: str, waiver: str | None = None) -> Finding:
    return Finding(mark * 32, "DOC01", f"DOC01.{mark}", "doc", f"message {mark}", "ims.yaml", 1, 1, "", ("ISO9001:2015/7.5.2",), waiver)


def test_new_accepted_and_resolved(tmp_path):
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"findings": [
        {"fingerprint": "a" * 32, "code": "DOC01.a", "message": "message a"},
        {"fingerprint": "b" * 32, "code": "DOC01.b", "message": "message b"},
        {"fingerprint": "c" * 32, "code": "DOC01.c", "message": "waived then", "waiver": "w-1"}]}))
    accepted = read_baseline(baseline)
    assert sorted(accepted) == ["a" * 32, "b" * 32]  # a waived finding was never accepted by the baseline
    comparison = compare(str(baseline), accepted, (finding("a"), finding("c"), finding("d", waiver="w-2")))
    assert [f.fingerprint for f in comparison.new] == ["c" * 32]
    assert [f.fingerprint for f in comparison.accepted] == ["a" * 32]
    assert comparison.resolved == (Accepted("b" * 32, "DOC01.b", "message b"),)
    assert comparison.exit_code() == 1
    assert compare(str(baseline), accepted, (finding("a"),)).exit_code() == 0


def test_a_missing_baseline_says_how_to_make_one(tmp_path):
    with pytest.raises(InputError) as error:
        read_baseline(tmp_path / "nope.json")
    assert error.value.problems[0].render() == (f"{tmp_path / 'nope.json'}:1:1: /: no such baseline file: give a JSON report "
                                                "written by 'imscheck check --json FILE'")
