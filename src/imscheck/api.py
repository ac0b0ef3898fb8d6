"""The library API the CLI calls: each command is one function returning an exit code.

Streams are parameters, and this is the one place where errors become exit
codes: input and usage errors exit 2 with located messages, anything
unexpected exits 2 with one "internal error" line (the traceback only when
IMSCHECK_DEBUG is set), and no report is written unless the run succeeded, but
for a JUnit report, which then holds one errored test naming the problems so
that CI shows why the check did not run.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, TextIO

from . import resources
from .knowledge.catalogue import STANDARD_ORDER, Catalogue, load_catalogue
from .errors import EXIT_ERROR, InputError, UsageError
from .engines.evaluator import Engine, PythonEngine
from .engines.facts import build_facts
from .evidence.git import GitEvidence, evidence_states, read_work_tree
from .load.ims import Ims, load_ims
from .output import STDOUT, check_writable, write_report
from .reports import REPORTERS, console, junit_report
from .knowledge.rulebook import Rule, load_rules
from .verdicts.baseline import compare, read_baseline
from .verdicts.decision import Result, decide
from .verdicts.lapsing import lapsing_soon, parse_duration, waiver_lapses

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
    git: bool = True  # read the evidence files' git state (off for reports that must not depend on a repository)
    require_committed: bool = False
    baseline: Path | None = None
    warn_within: str | None = None  # a duration: 30d, 8w, 3m, 1y


def guarded(run: Callable[[], int], err: TextIO, written: list[str] | None = None) -> int:
    """Run a command; map every failure to exit 2 with a clear message.

    ``written``: reports the command still wrote when it failed (the JUnit error report).
    """
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
        wrote = f"only the JUnit report {written[0]} was written, naming {'it' if count == 1 else 'them'}" if written else "no report was written"
        err.write(f"imscheck: {count} problem{'s' if count != 1 else ''} found; nothing was checked and {wrote}\n")
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
             engine: str = "python", notes: tuple[str, ...] = (), attestations: bool = True,
             git: GitEvidence | None = None, require_committed: bool = False) -> Result:
    """``attestations``: also decide the requirements the catalogue leaves to a person's attestation.

    ``git``: the evidence files' git state (None: not read); ``require_committed``:
    files that are not committed count as missing.
    """
    facts = build_facts(ims, catalogue, git, require_committed, as_of)
    outcomes = ENGINES[engine]().evaluate(rules, facts, standards, as_of)
    result = decide(ims, catalogue, rules, outcomes, standards, as_of, notes, attestations)
    return with_git(result, ims, git) if git is not None else result


def with_git(result: Result, ims: Ims, git: GitEvidence) -> Result:
    """The evidence files' git state on the result, and one note when git cannot help."""
    if not git.available:
        note = (f"git features are unavailable ({git.note}): evidence files' commit state, changes after approval "
                f"and --require-committed need the IMS inside a git work tree")
        return replace(result, notes=result.notes + (note,))
    notes = result.notes
    if git.shallow:
        notes += ("the repository is a shallow clone: last-change dates at its edge are marked shallow and not used to find "
                  "documents changed after approval; fetch the history (git fetch --unshallow) to check them",)
    documents = [(e.id, e.data["path"]) for e in ims.of_type("document") if "path" in e.data]
    return replace(result, notes=notes, git=git, evidence_state=evidence_states(ims.root, documents, git))


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
    return check_ims(options)[1]


def check_ims(options: CheckOptions) -> tuple[Ims, Result]:
    """The whole check, and the IMS it read (for documents that quote the IMS beside the verdicts)."""
    if options.engine not in ENGINES:
        raise UsageError(f"--engine {options.engine}: unknown engine; use one of {', '.join(sorted(ENGINES))}")
    check_standard_ids(options.standards)
    if not options.builtin_rules and not options.rules_dirs:
        raise UsageError("--no-builtin needs at least one --rules folder: there would be nothing to check")
    within = parse_duration(options.warn_within) if options.warn_within is not None else None
    accepted = read_baseline(options.baseline) if options.baseline is not None else None
    catalogue = load_catalogue()
    builtin = resources.data_dir("rules") / "checks" if options.builtin_rules else None
    rules, notes = load_rules(catalogue, builtin, options.rules_dirs)
    ims = load_ims(options.path, lambda rid: rid in catalogue.requirements, options.root)
    standards = select_standards(options.standards, ims)
    git = read_work_tree(ims.root) if options.git or options.require_committed else None
    if options.require_committed and not (git and git.available):
        raise UsageError(f"--require-committed needs the IMS inside a git work tree, and {git.note if git else 'git is off'}")
    as_of = options.as_of or dt.date.today()
    result = evaluate(ims, catalogue, rules, standards, as_of, options.engine, tuple(notes),
                      attestations=options.builtin_rules, git=git, require_committed=options.require_committed)
    if within is not None:
        soon = lapsing_soon(waiver_lapses(ims), as_of, within)
        result = replace(result, warnings=result.warnings + tuple(item.message() for item in soon))
    if accepted is not None:
        result = replace(result, baseline=compare(str(options.baseline), accepted, result.findings))
    return ims, result


def run_check(options: CheckOptions, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        targets = list(options.reports.values())
        if targets.count(STDOUT) > 1:
            raise UsageError("only one report can go to standard output ('-')")
        for target in targets:
            check_writable(target)
        try:
            result = check_result(options)
        except Exception as error:
            _junit_error_report(options, error, out, written)
            raise
        rendered = {fmt: REPORTERS[fmt](result) for fmt in sorted(options.reports)}
        for fmt, text in rendered.items():
            write_report(options.reports[fmt], text, out)
        # With a report on standard output, the summary for people goes to stderr.
        (err if STDOUT in targets else out).write(console.render(result, color=options.color and STDOUT not in targets))
        return result.exit_code()

    written: list[str] = []
    return guarded(run, err, written)


# --junit-flavour -> the reporter's name in REPORTERS
JUNIT_FLAVOURS = {"gitlab": "junit", "jenkins": "junit-jenkins"}
JUNIT_FORMATS = tuple(JUNIT_FLAVOURS.values())


def _junit_error_report(options: CheckOptions, error: Exception, out: TextIO, written: list[str]) -> None:
    """The one report written when the check cannot run: JUnit, so CI's test view shows why."""
    target = next((options.reports[f] for f in JUNIT_FORMATS if f in options.reports), None)
    if target is None:
        return
    if isinstance(error, InputError):
        problems = [problem.render() for problem in error.problems]
    elif isinstance(error, UsageError):
        problems = [str(error)]
    else:
        problems = [f"internal error: {type(error).__name__}: {error}"]
    try:
        write_report(target, junit_report.render_error(problems), out)
    except OSError:
        return  # the problems themselves still reach standard error
    written.append(target)


def run_validate(path: Path, root: Path | None, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        catalogue = load_catalogue()
        ims = load_ims(path, lambda rid: rid in catalogue.requirements, root)
        count = sum(len(v) for v in ims.entities.values())
        out.write(f"{path}: valid ({count} entities in {len(ims.sources)} file{'s' if len(ims.sources) != 1 else ''})\n")
        return 0

    return guarded(run, err)
