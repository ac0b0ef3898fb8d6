"""Hostile sizes: validation and evaluation stay linear, reports stay small.

Work is counted, not timed: every line of imscheck (and of difflib, which the
hints use) that runs is one unit, so the counts are the same on any machine.
Linear work grows about 4x from N to 4N entries; the quadratic paths this
guards against (locating each problem by scanning a wide mapping, comparing
each wrong reference with every id, pairing every document with every other)
grow 16x.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from imscheck.verdicts.decision import MAX_REASONS

from . import synthetic
from .conftest import run_cli

GROWTH = 1.5  # work growth over linear growth; a quadratic path gives about 4


def work(action: Callable[[], Any]) -> int:
    """Lines executed in imscheck and difflib while ``action`` runs."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def call(frame: Any, event: str, arg: Any) -> Any:
        name = frame.f_code.co_filename
        return local if ("imscheck" in name and "/tests/" not in name) or name.endswith("difflib.py") else None

    sys.settrace(call)
    try:
        action()
    finally:
        sys.settrace(None)
    return count


def _ratio(make: Callable[[int, Path], list[str]], n: int, tmp_path: Path, expected_exit: int, base: int = 1) -> float:
    """How much faster than linear the work grows from N to 4N entries (1.0: linear).

    Work at ``base`` entries (reading rules, a minimal IMS) is taken off both.
    """
    counts = []
    for step, size in enumerate((base, base, n, 4 * n)):  # the first run fills the caches (catalogue, schemas)
        folder = tmp_path / f"{step}-{size}"
        folder.mkdir()
        argv = make(size, folder)
        outcome: list[Any] = []
        counts.append(work(lambda: outcome.append(run_cli(*argv))))
        assert outcome[0].exit_code == expected_exit, outcome[0].stdout + outcome[0].stderr
    counts = counts[1:]
    measured = (counts[2] - counts[0]) / (counts[1] - counts[0])
    return measured / ((4 * n - base) / (n - base))


HEAD = "organisation: {id: acme, name: Acme}\nmanagement_systems:\n  - {id: qms, standard: \"ISO9001:2015\", scope: {statement: S}}\n"


def test_many_problems_in_one_wide_mapping_are_located_in_linear_work(tmp_path):
    # Every top-level key is unknown: each problem is located in the same mapping, with a hint.
    def make(size: int, folder: Path) -> list[str]:
        (folder / "ims.yaml").write_text(HEAD + "".join(f"zz-unknown-{i}: 1\n" for i in range(size)), encoding="utf-8")
        return ["validate", str(folder / "ims.yaml")]

    ratio = _ratio(make, 150, tmp_path, 2)
    print(f"work growth over linear: {ratio:.2f}")
    assert ratio < GROWTH


def test_many_wrong_references_get_hints_in_linear_work(tmp_path):
    # N roles, and N documents each naming an owner that does not exist (but is close to one that does).
    def make(size: int, folder: Path) -> list[str]:
        roles = "".join(f"  - {{id: role-{i:05d}, name: R, management_systems: [qms]}}\n" for i in range(size))
        documents = "".join(f"  - {{id: d{i}, title: T, kind: document, management_systems: [qms], owner: role-{i:05d}x}}\n"
                            for i in range(size))
        (folder / "ims.yaml").write_text(HEAD + "roles:\n" + roles + "documents:\n" + documents, encoding="utf-8")
        return ["validate", str(folder / "ims.yaml")]

    ratio = _ratio(make, 150, tmp_path, 2)
    print(f"work growth over linear: {ratio:.2f}")
    assert ratio < GROWTH


def test_hints_still_find_the_intended_name(tmp_path):
    roles = "".join(f"  - {{id: role-{i:05d}, name: R, management_systems: [qms]}}\n" for i in range(3000))
    (tmp_path / "ims.yaml").write_text(HEAD + "roles:\n" + roles + "documents:\n  - {id: d1, title: T, kind: document, "
                                       "management_systems: [qms], owner: rol-01234}\n  - {id: d2, title: T, kind: document, "
                                       "management_systems: [qms], owner: role-01234-}\n", encoding="utf-8")
    result = run_cli("validate", str(tmp_path / "ims.yaml"))
    assert result.stderr.count("did you mean 'role-01234'?") == 2, result.stderr


def test_checking_a_generated_ims_is_linear_in_its_size(tmp_path):
    def make(size: int, folder: Path) -> list[str]:
        synthetic.write(size, folder / "ims", seed=3)
        return ["check", str(folder / "ims"), "--as-of", synthetic.AS_OF.isoformat()]

    ratio = _ratio(make, 800, tmp_path, 1, base=300)
    print(f"work growth over linear: {ratio:.2f}")
    assert ratio < GROWTH


def test_one_unmet_requirement_per_document_gives_a_bounded_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    documents = "".join(f"  - {{id: d{i}, title: T{i}, kind: document, management_systems: [qms]}}\n" for i in range(1000))
    (tmp_path / "ims.yaml").write_text(HEAD + "documents:\n" + documents, encoding="utf-8")
    result = run_cli("check", "ims.yaml", "--as-of", "2025-06-30", "--json", "r.json", "--junit", "r.xml")
    assert result.exit_code == 1
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    longest = max(report["results"], key=lambda r: len(r["reasons"]))
    assert len(longest["reasons"]) == MAX_REASONS + 1
    assert longest["reasons"][-1].startswith("... and ") and "more reasons like these" in longest["reasons"][-1]
    assert (tmp_path / "r.json").stat().st_size < 3_000_000
    # The same input, the same cut.
    assert run_cli("check", "ims.yaml", "--as-of", "2025-06-30", "--json", "-").stdout == (tmp_path / "r.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("unjoined", [False, True])
def test_a_custom_rule_pairing_every_document_is_refused_at_compile_time(tmp_path, monkeypatch, unjoined):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").mkdir()
    second = "b: document" if unjoined else "b: {type: document, owner: $a.owner}"
    (tmp_path / "rules" / "pairs.yaml").write_text(f"""\
id: PAIR01
name: pairs
title: T
decides: ["ISO9001:2015/7.5.3.1"]
why: W
expect:
  - id: pairs
    none:
      a: {{type: document, owner: {{exists: true}}}}
      {second}
    message: "{{a}} {{b}}"
examples:
  pass:
    - {{name: p, as_of: "2025-06-30", ims: {{}}}}
  fail:
    - {{name: f, as_of: "2025-06-30", ims: {{}}}}
""", encoding="utf-8")
    documents = "".join(f"  - {{id: d{i}, title: T, kind: document, management_systems: [qms]}}\n" for i in range(2000))
    (tmp_path / "ims.yaml").write_text(HEAD + "documents:\n" + documents, encoding="utf-8")
    result = run_cli("check", "ims.yaml", "--as-of", "2025-06-30", "--rules", "rules", "--no-builtin")
    if unjoined:
        assert result.exit_code == 2
        assert "rules/pairs.yaml:10:7: /expect/0/none/b: rule PAIR01, expectation 'pairs': 'b' is joined to none" in result.stderr
    else:
        # Joined, it runs (linear). No document has an owner, so no pair is found: the rule saw
        # nothing to judge, and an empty population is not evidence.
        assert result.exit_code == 1, result.stdout + result.stderr
        assert "PAIR01.no-evidence" in result.stdout and "PAIR01.pairs" not in result.stdout

