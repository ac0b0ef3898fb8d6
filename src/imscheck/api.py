"""The library API the CLI calls: each command is one function returning an exit code.

Streams are parameters, and this is the one place where errors become exit
codes: input and usage errors exit 2 with located messages, anything
unexpected exits 2 with one "internal error" line (the traceback only when
IMSCHECK_DEBUG is set), and no report is written unless the run succeeded.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from . import resources
from .knowledge.catalogue import STANDARD_ORDER, Catalogue, load_catalogue
from .errors import EXIT_ERROR, InputError, UsageError
from .engines.evaluator import Engine, PythonEngine
from .engines.facts import build_facts
from .load.ims import Ims, load_ims
from .load import parsecache
from .output import STDOUT, check_writable, write_report
from .reports import REPORTERS, console
from .knowledge.rulebook import Rule, load_rules
from .verdicts.decision import Result, decide

def _durable() -> Engine:
    from .engines.durable import DurableEngine  # optional: durable-rules is an extra

    return DurableEngine()


ENGINES: dict[str, Callable[[], Engine]] = {"python": PythonEngine, "durable": _durable}


@dataclass
class CheckOptions:
    path: Path
    root: Path | None = None
    standards: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    rules_dirs: list[Path] = field(default_factory=list)
    builtin_rules: bool = True
    engine: str = "python"
    reports: dict[str, str] = field(default_factory=dict)  # format -> target ("-" for stdout)
    color: bool = False
    cache: bool = True  # reuse parsed YAML from the parse cache (off: --no-cache)


def guarded(run: Callable[[], int], err: TextIO) -> int:
    """Run a command; map every failure to exit 2 with a clear message."""
    collecting = gc.isenabled()
    # A run builds many small, acyclic objects and then ends: the cycle collector
    # would only re-scan them, at a third of the run time on a large IMS.
    gc.disable()
    try:
        return run()
    except InputError as error:
        for problem in error.problems:
            err.write(problem.render() + "\n")
        count = len(error.problems)
        err.write(f"imscheck: {count} problem{'s' if count != 1 else ''} found; nothing was checked and no report was written\n")
    except UsageError as error:
        err.write(f"imscheck: {error}\n")
    except KeyboardInterrupt:
        err.write("imscheck: interrupted; no report was written\n")
        return 130
    except Exception as error:  # the contract: never a traceback unless asked for
        if os.environ.get("IMSCHECK_DEBUG"):
            traceback.print_exc(file=err)
        err.write(f"imscheck: internal error: {type(error).__name__}: {error} (set IMSCHECK_DEBUG=1 to see the traceback)\n")
    finally:
        if collecting:
            gc.enable()
    return EXIT_ERROR


def evaluate(ims: Ims, catalogue: Catalogue, rules: list[Rule], standards: list[str], as_of: dt.date,
             engine: str = "python", notes: tuple[str, ...] = (), attestations: bool = True) -> Result:
    """``attestations``: also decide the requirements the catalogue leaves to a person's attestation."""
    facts = build_facts(ims, catalogue)
    outcomes = ENGINES[engine]().evaluate(rules, facts, standards, as_of)
    return decide(ims, catalogue, rules, outcomes, standards, as_of, notes, attestations)


def select_standards(requested: list[str], ims: Ims) -> list[str]:
    claimed = ims.claimed_standards()
    if not requested:
        return [s for s in STANDARD_ORDER if s in claimed]
    for standard in requested:
        if standard not in claimed:
            raise UsageError(f"--standard {standard}: the IMS claims no management system for it (it claims {', '.join(sorted(claimed))})")
    return [s for s in STANDARD_ORDER if s in requested]


def check_standard_ids(requested: list[str]) -> None:
    for standard in requested:
        if standard not in STANDARD_ORDER:
            raise UsageError(f"--standard {standard}: unknown standard id; use one of {', '.join(STANDARD_ORDER)}")


def check_result(options: CheckOptions) -> Result:
    """Load everything, evaluate, and decide: the whole check, without output."""
    if options.engine not in ENGINES:
        raise UsageError(f"--engine {options.engine}: unknown engine; use one of {', '.join(sorted(ENGINES))}")
    check_standard_ids(options.standards)
    if not options.builtin_rules and not options.rules_dirs:
        raise UsageError("--no-builtin needs at least one --rules folder: there would be nothing to check")
    parsecache.configure(options.cache)
    catalogue = load_catalogue()
    builtin = resources.data_dir("rules") / "checks" if options.builtin_rules else None
    rules, notes = load_rules(catalogue, builtin, options.rules_dirs)
    ims = load_ims(options.path, lambda rid: rid in catalogue.requirements, options.root)
    standards = select_standards(options.standards, ims)
    return evaluate(ims, catalogue, rules, standards, options.as_of or dt.date.today(), options.engine, tuple(notes),
                    attestations=options.builtin_rules)


def run_check(options: CheckOptions, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        targets = list(options.reports.values())
        if targets.count(STDOUT) > 1:
            raise UsageError("only one report can go to standard output ('-')")
        for target in targets:
            check_writable(target)
        result = check_result(options)
        rendered = {fmt: REPORTERS[fmt](result) for fmt in sorted(options.reports)}
        for fmt, text in rendered.items():
            write_report(options.reports[fmt], text, out)
        # With a report on standard output, the summary for people goes to stderr.
        (err if STDOUT in targets else out).write(console.render(result, color=options.color and STDOUT not in targets))
        return result.exit_code()

    return guarded(run, err)


def run_validate(path: Path, root: Path | None, out: TextIO, err: TextIO, cache: bool = True) -> int:
    def run() -> int:
        parsecache.configure(cache)
        catalogue = load_catalogue()
        ims = load_ims(path, lambda rid: rid in catalogue.requirements, root)
        count = sum(len(v) for v in ims.entities.values())
        out.write(f"{path}: valid ({count} entities in {len(ims.sources)} file{'s' if len(ims.sources) != 1 else ''})\n")
        return 0

    return guarded(run, err)
