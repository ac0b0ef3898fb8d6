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
from typing import TYPE_CHECKING, Callable, TextIO

from . import resources
from .knowledge.catalogue import STANDARD_ORDER, Catalogue, load_catalogue
from .errors import EXIT_ERROR, InputError, UsageError
from .engines.evaluator import Engine, PythonEngine
from .engines.facts import build_facts
from .load.config import CONFIG_NAME, Config, excluded, find_config, ims_files, load_config
from .load.ims import Ims, default_root, discover, load_ims
from .containment import shown_path
from .output import STDOUT, Progress, check_targets, write_report, write_reports
from .reports import REPORTERS, console
from .text import noun, plural, terminal_safe
from .load import parsecache
from .knowledge.rulebook import Rule, load_rules
from .knowledge.tagcheck import tag_warnings
from .knowledge.withdrawn import withdrawn_notes
from .verdicts.decision import Result, decide
from .verdicts.lapsing import lapsing_soon, parse_duration, record_lapses, waiver_lapses

if TYPE_CHECKING:
    from .evidence.git import GitEvidence

# Imported where used: evidence/git.py (not with --no-git) and verdicts/baseline.py (only with --baseline).


def _durable() -> Engine:
    from .engines.durable import DurableEngine  # optional: durable-rules is an extra

    return DurableEngine()


def _rego() -> Engine:
    from .engines.rego import RegoEngine  # optional: regorus comes with the rego extra

    return RegoEngine()


ENGINES: dict[str, Callable[[], Engine]] = {"python": PythonEngine, "durable": _durable, "rego": _rego}


@dataclass
class CheckOptions:
    path: Path | None  # None: the IMS files the configuration's 'ims' globs name
    root: Path | None = None
    standards: list[str] = field(default_factory=list)
    as_of: dt.date | None = None
    rules_dirs: list[Path] = field(default_factory=list)
    builtin_rules: bool = True
    engine: str | None = "python"  # None: the configuration's, else python
    reports: dict[str, str] = field(default_factory=dict)  # format -> target ("-" for stdout)
    color: bool = False
    git: bool = True  # read the evidence files' git state (off for reports that must not depend on a repository)
    require_committed: bool = False
    baseline: Path | None = None
    warn_within: str | None = None  # a duration: 30d, 8w, 3m, 1y
    config: Path | None = None  # an explicit configuration file (default: found by walking up)
    no_config: bool = False
    quiet: bool = False  # the console shows only the final line
    progress: bool = False  # a progress indicator on standard error (the CLI asks only on a terminal)
    cache: bool = True  # reuse parsed YAML from the parse cache (off: --no-cache)


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
        wrote = f"only the JUnit report {written[0]} was written, naming {noun(count, 'it', 'them')}" if written else "no report was written"
        err.write(f"imscheck: {plural(count, 'problem')} found; nothing was checked and {wrote}\n")
    except UsageError as error:
        err.write(f"imscheck: {terminal_safe(str(error))}\n")
    except KeyboardInterrupt:
        err.write("imscheck: interrupted; no report was written\n")
        return 130
    except Exception as error:  # the contract: never a traceback unless asked for
        if os.environ.get("IMSCHECK_DEBUG"):
            traceback.print_exc(file=err)
        err.write(f"imscheck: internal error: {type(error).__name__}: {terminal_safe(str(error))} (set IMSCHECK_DEBUG=1 to see the traceback)\n")
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
    notes = tuple(notes) + withdrawn_notes(standards, as_of)
    result = decide(ims, catalogue, rules, outcomes, standards, as_of, notes, attestations)
    result = replace(result, warnings=tag_warnings(ims, catalogue, rules))
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
    from .evidence.git import evidence_states

    documents = [(e.id, e.data["path"]) for e in ims.of_type("document") if "path" in e.data]
    return replace(result, notes=notes, git=git, evidence_state=evidence_states(ims.root, documents, git, ims.locate_evidence))


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


def configure(options: CheckOptions, top: Path | None = None) -> tuple[CheckOptions, Config | None, list[Path] | None]:
    """Fill what the command line left open from ``.imscheck.yaml``.

    Returns the settled options, the configuration used (or None) and the IMS
    files its globs chose (None: discover them under the path as usual).
    The command line wins over the file, option by option; report files merge
    by format. ``top``: the highest folder the search for the file may reach
    (a revision's copy has no ``.git`` to stop it).
    """
    config = _configuration(options, top)
    if config is None:
        if options.path is None:
            raise UsageError(f"give the IMS PATH, or write a {CONFIG_NAME} with 'ims' globs (none found from {Path.cwd()} up to the repository's top)")
        return replace(options, engine=options.engine or "python"), None, None
    path, files = options.path, None
    if path is None or (Path(os.path.abspath(path)) == config.folder and config.ims):
        if not config.ims:
            raise InputError(config.problem((), f"give the IMS PATH, or list the IMS files under 'ims' in {config.file}"))
        path, files = config.folder, ims_files(config)
    elif config.exclude:
        files = [f for f in discover(path) if not excluded(config, f)]
        if not files:
            raise InputError(config.problem(("exclude",), f"the 'exclude' globs leave no IMS file under {Path(os.path.abspath(path))}: narrow them"))
    problems = []
    if config.engine is not None and config.engine not in ENGINES:
        problems.append(config.problem(("engine",), f"unknown engine {config.engine!r}: use one of {', '.join(sorted(ENGINES))}"))
    for i, standard in enumerate(config.standards):
        if standard not in STANDARD_ORDER:
            problems.append(config.problem(("standards", i), f"unknown standard id {standard!r}: use one of {', '.join(STANDARD_ORDER)}"))
    for fmt in sorted(config.reports):
        if fmt not in REPORTERS:
            problems.append(config.problem(("reports", fmt), f"unknown report format {fmt!r}: this imscheck writes {', '.join(sorted(REPORTERS))}", key=True))
    if problems:
        raise InputError(problems)
    root = options.root or config.evidence_root or (config.folder if Path(os.path.abspath(path)) == config.folder else None)
    settled = replace(
        options, path=path, root=root,
        standards=list(options.standards) or list(config.standards),
        rules_dirs=list(options.rules_dirs) or list(config.rules),
        engine=options.engine or config.engine or "python",
        reports={**config.reports, **options.reports},
    )
    return settled, config, files


def _configuration(options: CheckOptions, top: Path | None = None) -> Config | None:
    if options.no_config:
        return None
    if options.config is not None:
        if not options.config.is_file():
            raise UsageError(f"--config {options.config}: no such file ({Path(os.path.abspath(options.config))})")
        return load_config(options.config)
    start = options.path if options.path is not None else Path.cwd()
    found = find_config(start, top)
    return load_config(found) if found is not None else None


def check_result(options: CheckOptions) -> Result:
    """Load everything, evaluate, and decide: the whole check, without output."""
    return check_ims(options)[1]


def check_ims(options: CheckOptions, *, top: Path | None = None, rulebook: RulebookLoader | None = None,
              read_git: Callable[[Path], GitEvidence] | None = None) -> tuple[Ims, Result]:
    """The whole check, and the IMS it read (for documents that quote the IMS beside the verdicts).

    ``top``, ``rulebook`` and ``read_git`` let ``diff`` check a revision's copy
    through the same pipeline: where the configuration search stops, rules
    loaded once for both sides, and the revision's git state for the IMS root.
    """
    options, config, files = configure(options, top)
    result, ims = _check(options, config, files, rulebook=rulebook, read_git=read_git)
    return ims, result


@dataclass(frozen=True)
class Rulebook:
    """The catalogue and the compiled rules a check evaluates, with the notes loading them left."""

    catalogue: Catalogue
    rules: list[Rule]
    notes: tuple[str, ...]


RulebookLoader = Callable[[CheckOptions], Rulebook]


def check_rule_choice(options: CheckOptions) -> None:
    if not options.builtin_rules and not options.rules_dirs:
        raise UsageError("--no-builtin needs at least one --rules folder: there would be nothing to check")


def load_rulebook(options: CheckOptions) -> Rulebook:
    """The rules the options choose: the built-in ones unless --no-builtin, then every --rules folder."""
    check_rule_choice(options)
    catalogue = load_catalogue()
    builtin = resources.data_dir("rules") / "checks" if options.builtin_rules else None
    rules, notes = load_rules(catalogue, builtin, options.rules_dirs)
    return Rulebook(catalogue, rules, tuple(notes))


def shared_rulebooks() -> RulebookLoader:
    """A loader that compiles each choice of rules once, for commands that check more than once."""
    loaded: dict[tuple[bool, tuple[str, ...]], Rulebook] = {}

    def load(options: CheckOptions) -> Rulebook:
        key = (options.builtin_rules, tuple(os.path.abspath(d) for d in options.rules_dirs))
        if key not in loaded:
            loaded[key] = load_rulebook(options)
        return loaded[key]

    return load


def _read(options: CheckOptions, files: list[Path] | None, rulebook: RulebookLoader | None = None,
          progress: Callable[[str], None] | None = None) -> tuple[Rulebook, Ims]:
    """The rules and the IMS the settled options name: what ``check`` and ``validate`` both read."""
    assert options.path is not None
    parsecache.configure(options.cache)
    book = (rulebook or load_rulebook)(options)
    reading = (lambda done, total: progress(f"reading the IMS: file {done} of {total}")) if progress else None
    ims = load_ims(options.path, lambda rid: rid in book.catalogue.requirements, options.root, files, reading)
    return book, ims


def check_configured(options: CheckOptions, config: Config | None, files: list[Path] | None, *,
                     rulebook: RulebookLoader | None = None,
                     read_git: Callable[[Path], GitEvidence] | None = None) -> tuple[Result, Ims]:
    """The check of options :func:`configure` already settled (``diff`` settles a revision's first, to name its files)."""
    return _check(options, config, files, rulebook=rulebook, read_git=read_git)


def _check(options: CheckOptions, config: Config | None, files: list[Path] | None,
           progress: Callable[[str], None] | None = None, *, rulebook: RulebookLoader | None = None,
           read_git: Callable[[Path], GitEvidence] | None = None) -> tuple[Result, Ims]:
    assert options.path is not None
    if options.engine not in ENGINES:
        raise UsageError(f"--engine {options.engine}: unknown engine; use one of {', '.join(sorted(ENGINES))}")
    check_standard_ids(options.standards)
    check_rule_choice(options)
    within = parse_duration(options.warn_within) if options.warn_within is not None else None
    accepted = None
    if options.baseline is not None:
        from .verdicts.baseline import read_baseline

        accepted = read_baseline(options.baseline)
    book, ims = _read(options, files, rulebook, progress)
    for source in ims.sources:
        source.forget_text()  # valid now: everything after this locates through marks, never through nodes
    catalogue, rules, notes = book.catalogue, book.rules, book.notes
    standards = select_standards(options.standards, ims)
    if progress:
        progress(f"evaluating {plural(len(rules), 'rule')} for {plural(len(standards), 'standard')}")
    git = None
    if options.git or options.require_committed:
        if read_git is None:
            from .evidence.git import read_work_tree as read_git
        git = read_git(ims.root)
    if options.require_committed and not (git and git.available):
        raise UsageError(f"--require-committed needs the IMS inside a git work tree, and {git.note if git else 'git is off'}")
    as_of = options.as_of or dt.date.today()
    result = evaluate(ims, catalogue, rules, standards, as_of, options.engine, notes,
                      attestations=options.builtin_rules, git=git, require_committed=options.require_committed)
    if within is not None:
        soon = lapsing_soon(waiver_lapses(ims) + record_lapses(ims, as_of, standards), as_of, within)
        result = replace(result, warnings=result.warnings + tuple(item.warning() for item in soon))
    if accepted is not None:
        from .verdicts.baseline import compare

        result = replace(result, baseline=compare(str(options.baseline), accepted, result.findings))
    base = config.folder if config else Path(os.path.abspath(default_root(options.path)))
    relative = Path(os.path.relpath(ims.root, base.resolve())).as_posix()
    return replace(result, configuration=shown_path(config.file) if config else None, evidence_root=relative,
                   evidence_folder=shown_path(ims.root)), ims


def run_check(options: CheckOptions, out: TextIO, err: TextIO) -> int:
    def run() -> int:
        nonlocal options
        if options.warn_within is not None:
            parse_duration(options.warn_within)  # a bad duration is a usage error before any work
        options, config, files = configure(options)
        targets = list(options.reports.values())
        check_targets({("--junit" if fmt in JUNIT_FORMATS else f"--{fmt}"): options.reports[fmt] for fmt in sorted(options.reports)},
                      [options.path, *options.rules_dirs])
        progress = Progress(getattr(err, "raw", err)) if options.progress else None
        try:
            result, ims = _check(options, config, files, progress.show if progress else None)
        except Exception as error:
            _junit_error_report(options, error, out, written)
            raise
        finally:
            if progress:
                progress.clear()
        rendered = {fmt: REPORTERS[fmt](result) for fmt in sorted(options.reports)}
        write_reports([(options.reports[fmt], text) for fmt, text in rendered.items()], out)
        # With a report on standard output, the summary for people goes to stderr.
        (err if STDOUT in targets else out).write(console.render(result, color=options.color and STDOUT not in targets, quiet=options.quiet))
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
        from .reports import junit_report  # junit-xml only when a JUnit report is written

        write_report(target, junit_report.render_error(problems), out)
    except (OSError, UsageError):
        return  # the problems themselves still reach standard error
    written.append(target)


def run_validate(path: Path | None, root: Path | None, out: TextIO, err: TextIO, *,
                 config: Path | None = None, no_config: bool = False, quiet: bool = False, cache: bool = True,
                 rules_dirs: list[Path] | None = None, builtin_rules: bool = True) -> int:
    """Everything that needs no evaluation, in one pass: errors exit 2, warnings leave the exit code alone.

    The rules are chosen as ``check`` chooses them (built-in unless ``builtin_rules`` is off,
    then ``rules_dirs`` or the configuration's), since they decide which tags count for nothing.
    """
    def run() -> int:
        from .knowledge.lint import warnings

        parsecache.configure(cache)
        options, used, files = configure(CheckOptions(path=path, root=root, config=config, no_config=no_config, cache=cache,
                                                      rules_dirs=list(rules_dirs or []), builtin_rules=builtin_rules))
        assert options.path is not None
        check_rule_choice(options)
        book, ims = _read(options, files)
        found = sorted(warnings(ims, book.catalogue)) + list(tag_warnings(ims, book.catalogue, book.rules))
        for warning in found:
            err.write(warning.render() + "\n")
        count = sum(len(v) for v in ims.entities.values())
        named = shown_path(options.path) if path is None else str(path)
        tail = f", {plural(len(found), 'warning')}" if found else ""
        if not quiet:
            out.write(f"configuration: {shown_path(used.file) if used else 'none'}; evidence root: {shown_path(ims.root)}\n")
        out.write(f"{named}: valid ({plural(count, 'entity', 'entities')} in {plural(len(ims.sources), 'file')}{tail})\n")
        return 0

    return guarded(run, err)
