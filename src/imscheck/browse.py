"""Commands that show what imscheck knows: the catalogue, the correlations, and rule examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from junit_xml import TestCase, TestSuite

from . import resources
from .api import check_standard_ids, guarded
from .catalogue import STANDARD_ORDER, load_catalogue, requirement_order
from .errors import UsageError
from .examples import run_examples
from .output import check_writable, write_report
from .rulebook import compile_rules, read_rule_sources
from .reports.junit_report import serialise

FORMATS = ("table", "json")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: use one of {', '.join(FORMATS)}")


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def run_catalogue(standards: list[str], fmt: str, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        _check_format(fmt)
        check_standard_ids(standards)
        catalogue = load_catalogue()
        chosen = standards or catalogue.standards()
        requirements = [r for s in STANDARD_ORDER if s in chosen for r in catalogue.of_standard(s)]
        if fmt == "json":
            records = [{"id": r.id, "standard": r.standard, "clause": r.clause, "title": r.title, "summary": r.summary,
                        "harmonized_structure": r.hs, "exclusion": r.exclusion,
                        "documented_information": [{"kind": d.kind, "subject": d.subject} for d in r.documented_information]}
                       for r in requirements]
            out.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(_table([[r.id, r.hs or "-", r.title] for r in requirements], ["requirement", "hs", "title"]))
        return 0

    return guarded(run, err)


def run_matrix(source: str | None, target: str | None, fmt: str, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        _check_format(fmt)
        check_standard_ids([s for s in (source, target) if s])
        catalogue = load_catalogue()
        rows = []
        for c in catalogue.correlations:
            pairs = [(c.source, c.target, c.relation)]
            if source or target:
                inverse = {"subset": "superset", "superset": "subset"}.get(c.relation, c.relation)
                pairs.append((c.target, c.source, inverse))
            for a, b, relation in pairs:
                if (source is None or a.startswith(source + "/")) and (target is None or b.startswith(target + "/")):
                    rows.append({"from": a, "to": b, "relation": relation, "note": c.note, "source": c.basis})
                    break
        rows.sort(key=lambda r: (requirement_order(r["from"]), requirement_order(r["to"])))
        if fmt == "json":
            out.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        else:
            out.write(_table([[r["from"], r["relation"], r["to"]] for r in rows], ["from", "relation", "to"]))
        return 0

    return guarded(run, err)


def run_verify(directory: Path | None, junit: str | None, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        if junit:
            check_writable(junit)
        catalogue = load_catalogue()
        folder = directory or resources.data_dir("rules") / "checks"
        rules = compile_rules(read_rule_sources(folder), catalogue, custom=directory is not None)
        runs = run_examples(rules, catalogue)
        failed = [r for r in runs if not r.ok]
        for run_ in runs:
            out.write(f"{'ok  ' if run_.ok else 'FAIL'} {run_.id}\n")
            for difference in run_.differences:
                out.write(f"     {run_.file}:{run_.line}: {difference}\n")
        out.write(f"{len(runs) - len(failed)} passed, {len(failed)} failed\n")
        if junit:
            cases: list[Any] = []
            for run_ in runs:
                case = TestCase(name=run_.id, classname=run_.rule, file=run_.file, line=str(run_.line))
                if not run_.ok:
                    text = "\n".join(run_.differences)
                    case.add_failure_info(message=run_.differences[0], output=text, failure_type="example")
                cases.append(case)
            write_report(junit, serialise([TestSuite("imscheck verify", cases)]), out)
        return 1 if failed else 0

    return guarded(run, err)
