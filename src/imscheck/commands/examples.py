"""Running the pass and fail examples written inside rule files.

The examples in a rule file are its tests: the test suite runs them, and so
does ``imscheck verify`` for an organisation's own rule packs. Expectations are
exact: the verdicts that are not ``met`` must be exactly those listed, with
the same reason codes at the same places.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..containment import Refusal, create_file
from ..knowledge.catalogue import Catalogue
from ..errors import InputError
from ..evidence.git import from_example
from ..load.ims import build_ims
from ..knowledge.rulebook import Rule
from ..verdicts.decision import MET


@dataclass(frozen=True)
class ExampleRun:
    rule: str
    kind: str  # pass | fail
    name: str
    file: str
    line: int
    differences: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.rule}::{self.kind}::{self.name}"

    @property
    def ok(self) -> bool:
        return not self.differences


def run_examples(rules: list[Rule], catalogue: Catalogue) -> list[ExampleRun]:
    runs = []
    for rule in rules:
        for kind in ("pass", "fail"):
            for index in range(len(rule.source.data["examples"][kind])):
                runs.append(run_example(rule, kind, index, catalogue))
    return runs


def run_example(rule: Rule, kind: str, index: int, catalogue: Catalogue) -> ExampleRun:
    from ..api import evaluate  # the examples go through the same pipeline as a check

    parts = ("examples", kind, index)
    example = rule.source.data["examples"][kind][index]
    line = rule.source.locate(parts)[0]

    def done(*differences: str) -> ExampleRun:
        return ExampleRun(rule.id, kind, example["name"], rule.source.file, line, tuple(differences))

    fragment = rule.source.sub(parts + ("ims",))
    with tempfile.TemporaryDirectory(prefix="imscheck-example-") as folder:
        root = Path(folder)
        refused = []
        for relative, content in example.get("files", {}).items():
            try:
                create_file(folder, relative, content)
            except Refusal as refusal:
                refused.append(f"the example's files cannot be laid out: {refusal}")
        if refused:
            return done(*refused)
        try:
            ims = build_ims([fragment], lambda rid: rid in catalogue.requirements, root.resolve())
        except InputError as error:
            return done(*(f"the example's IMS does not load: {p.render()}" for p in error.problems))
        standards = [s for s in rule.standards() if s in ims.claimed_standards()]
        if not standards:
            return done(f"the example claims none of the standards the rule decides ({', '.join(rule.standards())})")
        git = from_example(example["git"]) if "git" in example else None
        result = evaluate(ims, catalogue, [rule], standards, dt.date.fromisoformat(example["as_of"]), git=git)
    # Only what this rule decides (or the part the example names): exclusions
    # elsewhere in the fragment are not its business.
    about = set(example.get("only", rule.decides))
    verdicts = [v for v in result.verdicts if v.requirement in about]
    actual = {(v.requirement, v.status, tuple(sorted((r.code, r.pointer) for r in v.reasons))) for v in verdicts if v.status != MET}
    expected = {(e["requirement"], e["status"], tuple(sorted((f"{rule.id}.{r['code']}" if "." not in r["code"] else r["code"], r.get("at", "")) for r in e.get("reasons", []))))
                for e in example.get("expect", [])}
    differences = []
    for item in sorted(expected - actual):
        differences.append(f"expected {_show(item)}, but it was not reported")
    for item in sorted(actual - expected):
        differences.append(f"reported {_show(item)}, which the example does not expect")
    messages = {(e["requirement"], r["message"]) for e in example.get("expect", []) for r in e.get("reasons", []) if "message" in r}
    reported = {(v.requirement, r.message) for v in verdicts for r in v.reasons}
    differences += [f"expected the message {m!r} for {rid}; got {sorted(m2 for r2, m2 in reported if r2 == rid)}" for rid, m in sorted(messages - reported)]
    if kind == "pass" and not any(v.status == MET for v in verdicts):
        differences.append("a pass example must leave at least one requirement met")
    if kind == "fail" and not expected:
        differences.append("a fail example must list the verdicts it expects under 'expect'")
    return done(*differences)


def _show(item: tuple[Any, ...]) -> str:
    requirement, status, reasons = item
    return f"{requirement} {status}" + "".join(f" [{code} at {at or '/'}]" for code, at in reasons)
