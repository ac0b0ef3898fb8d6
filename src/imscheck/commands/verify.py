"""``imscheck verify``: run the examples of rule files like a test runner."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from .. import resources
from ..api import guarded
from ..knowledge.catalogue import load_catalogue
from .examples import ExampleRun, run_examples
from ..output import check_targets, write_report
from ..knowledge.rulebook import compile_rules, read_rule_sources


def junit(runs: list[ExampleRun]) -> str:
    # Imported here: every command line start would pay for junit-xml otherwise.
    from junit_xml import TestCase, TestSuite

    from ..reports.junit_report import serialise

    cases = []
    for run in runs:
        case = TestCase(name=run.id, classname=run.rule, file=run.file, line=str(run.line))
        if not run.ok:
            case.add_failure_info(message=run.differences[0], output="\n".join(run.differences), failure_type="example")
        cases.append(case)
    return serialise([TestSuite("imscheck verify", cases)])


def run_verify(directory: Path | None, junit_target: str | None, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        if junit_target:
            check_targets({"--junit": junit_target}, [directory] if directory else [])
        catalogue = load_catalogue()
        folder = directory or resources.data_dir("rules") / "checks"
        rules = compile_rules(read_rule_sources(folder), catalogue, custom=directory is not None)
        runs = run_examples(rules, catalogue)
        failed = [r for r in runs if not r.ok]
        for example in runs:
            out.write(f"{'ok  ' if example.ok else 'FAIL'} {example.id}\n")
            for difference in example.differences:
                out.write(f"     {example.file}:{example.line}: {difference}\n")
        out.write(f"{len(runs) - len(failed)} passed, {len(failed)} failed\n")
        if junit_target:
            write_report(junit_target, junit(runs), out)
        return 1 if failed else 0

    return guarded(run, err)
