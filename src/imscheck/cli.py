"""The command line: parses options and calls one library function per command.

The library is imported inside each command, not here, so that ``imscheck
--version``, ``-h`` and shell completion answer without loading YAML, JSON
Schema or the rules.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .text import SafeStream

app = typer.Typer(add_completion=True, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Check an integrated management system (ISO 9001, ISO/IEC 20000-1, ISO/IEC 27001) described in YAML.")

COLOR_CHOICES = ("auto", "always", "never")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _main(
    version_flag: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True, help="Print imscheck's version and exit."),
) -> None:
    """Check an integrated management system (ISO 9001, ISO/IEC 20000-1, ISO/IEC 27001) described in YAML."""


def _as_of(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD") from None


def _streams() -> tuple[SafeStream, SafeStream]:
    # Everything the commands print passes through here: no control sequence from the input reaches the terminal.
    return SafeStream(sys.stdout), SafeStream(sys.stderr)


def _color(choice: str = "auto") -> bool:
    """``always`` and ``never`` are explicit; ``auto`` colours a terminal unless NO_COLOR is set or TERM is dumb."""
    if choice not in COLOR_CHOICES:
        raise typer.BadParameter(f"{choice!r}: use one of {', '.join(COLOR_CHOICES)}", param_hint="--color")
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


@app.command()
def check(
    path: Optional[Path] = typer.Argument(None, metavar="[PATH]", help="The IMS description: a YAML file or a folder of them (default: the 'ims' globs of .imscheck.yaml)."),
    junit: Optional[str] = typer.Option(None, "--junit", metavar="FILE", help="Write a JUnit XML report ('-' for standard output)."),
    json_report: Optional[str] = typer.Option(None, "--json", metavar="FILE", help="Write a JSON report ('-' for standard output)."),
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Check only this standard (repeatable), e.g. ISO27001:2022."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Judge dates as of this day (default: today)."),
    root: Optional[Path] = typer.Option(None, "--root", metavar="DIR", help="Repository root that evidence paths are relative to (default: evidence_root of .imscheck.yaml, else PATH if a folder, else its folder)."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="A folder of the organisation's own rule files (repeatable)."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Use imscheck's built-in rules and attestation marks (default), or only the --rules folders."),
    engine: Optional[str] = typer.Option(None, "--engine", metavar="python|durable|rego", help="Rule engine: python (default), durable (needs the durable extra) or rego (regorus; needs the rego extra)."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", help="The configuration file (default: the nearest .imscheck.yaml, up to the repository's top)."),
    no_config: bool = typer.Option(False, "--no-config", help="Ignore any .imscheck.yaml."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors, warnings and the final line."),
    color: str = typer.Option("auto", "--color", metavar="auto|always|never", help="Colour the console summary (auto: on a terminal, unless NO_COLOR is set or TERM=dumb)."),
    warn_within: Optional[str] = typer.Option(None, "--warn-within", metavar="DURATION", help="Warn about waivers, reviews, attestations and document reviews that lapse within this time, e.g. 90d, 3m, 1y (exit code unchanged)."),
    sarif: Optional[str] = typer.Option(None, "--sarif", metavar="FILE", help="Write a SARIF 2.1.0 report for code scanning ('-' for standard output)."),
    codequality: Optional[str] = typer.Option(None, "--codequality", metavar="FILE", help="Write a GitLab Code Quality report ('-' for standard output)."),
    markdown: Optional[str] = typer.Option(None, "--markdown", metavar="FILE", help="Write a Markdown summary, e.g. to $GITHUB_STEP_SUMMARY ('-' for standard output)."),
    junit_flavour: str = typer.Option("gitlab", "--junit-flavour", metavar="gitlab|jenkins", help="JUnit flavour: gitlab (default; file/line attributes) or jenkins (valid against the Jenkins schema)."),
    html_report: Optional[str] = typer.Option(None, "--html", metavar="FILE", help="Write a self-contained HTML report for managers and auditors ('-' for standard output)."),
    require_committed: bool = typer.Option(False, "--require-committed", help="Count evidence files that are not committed (untracked, modified, ignored) as missing, as a fresh clone would."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", metavar="FILE", help="A JSON report of an earlier run: its findings do not fail this run; new ones do."),
    git: bool = typer.Option(True, "--git/--no-git", help="Read the evidence files' git state (default when the IMS is in a git work tree)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse every YAML file again instead of reusing the parse cache."),
) -> None:
    """Decide every requirement of every claimed standard: met, unmet, not applicable, shared."""
    from . import api

    if junit_flavour not in api.JUNIT_FLAVOURS:
        raise typer.BadParameter(f"{junit_flavour!r}: use {' or '.join(api.JUNIT_FLAVOURS)}", param_hint="--junit-flavour")
    junit_format = api.JUNIT_FLAVOURS[junit_flavour]
    reports = {fmt: target for fmt, target in ((junit_format, junit), ("json", json_report), ("sarif", sarif),
                                              ("codequality", codequality), ("markdown", markdown),
                                              ("html", html_report)) if target}
    options = api.CheckOptions(path=path, root=root, standards=standard, as_of=_as_of(as_of), rules_dirs=rules, builtin_rules=builtin,
                               engine=engine, reports=reports, color=_color(color),
                               config=config, no_config=no_config, quiet=quiet, warn_within=warn_within,
                               progress=sys.stderr.isatty() and not quiet, git=git, require_committed=require_committed,
                               baseline=baseline, cache=not no_cache)
    raise typer.Exit(api.run_check(options, *_streams()))


@app.command()
def diff(
    arguments: List[str] = typer.Argument(..., metavar="REV_A [REV_B] [PATH]", help="The earlier revision; the later one (default: the work tree); the IMS (default: the current folder)."),
    json_report: Optional[str] = typer.Option(None, "--json", metavar="FILE", help="Write the diff as JSON ('-' for standard output)."),
    markdown: Optional[str] = typer.Option(None, "--markdown", metavar="FILE", help="Write the diff as Markdown, e.g. for a merge-request comment."),
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Compare only this standard (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Judge both revisions as of this day (default: today)."),
    root: Optional[Path] = typer.Option(None, "--root", help="Repository folder that evidence paths are relative to (default: evidence_root of each side's .imscheck.yaml, else PATH if a folder, else its folder)."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="A folder of the organisation's own rule files (repeatable)."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Use imscheck's built-in rules (default), or only the --rules folders."),
    engine: Optional[str] = typer.Option(None, "--engine", metavar="python|durable|rego", help="Rule engine: python (default), durable or rego, as for check."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", help="The configuration file (default: the nearest .imscheck.yaml of each side; a file inside the repository is read as each revision holds it)."),
    no_config: bool = typer.Option(False, "--no-config", help="Ignore any .imscheck.yaml."),
) -> None:
    """Compare the posture of two git revisions: requirements whose status changed, findings new, resolved, unchanged."""
    from .commands import diff as diff_command

    reports = {fmt: target for fmt, target in (("json", json_report), ("markdown", markdown)) if target}
    options = diff_command.DiffOptions(revisions=arguments, root=root, standards=standard, as_of=_as_of(as_of), rules_dirs=rules,
                                       builtin_rules=builtin, engine=engine, reports=reports, config=config, no_config=no_config)
    raise typer.Exit(diff_command.run_diff(options, *_streams()))


@app.command()
def validate(
    path: Optional[Path] = typer.Argument(None, metavar="[PATH]", help="The IMS description: a YAML file or a folder of them (default: the 'ims' globs of .imscheck.yaml)."),
    root: Optional[Path] = typer.Option(None, "--root", metavar="DIR", help="Repository root that evidence paths are relative to."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", help="The configuration file (default: the nearest .imscheck.yaml)."),
    no_config: bool = typer.Option(False, "--no-config", help="Ignore any .imscheck.yaml."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only problems, warnings and the final line."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse every YAML file again instead of reusing the parse cache."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="A folder of the organisation's own rule files (repeatable), as for check: they decide which tags count."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Use imscheck's built-in rules (default), or only the --rules folders."),
) -> None:
    """Everything that needs no evaluation, in one pass: schema, references, evidence paths and files, exclusions, YAML 1.1 values."""
    from . import api

    raise typer.Exit(api.run_validate(path, root, *_streams(), config=config, no_config=no_config, quiet=quiet, cache=not no_cache,
                                      rules_dirs=rules, builtin_rules=builtin))


@app.command()
def catalogue(
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Only this standard (repeatable)."),
    format: str = typer.Option("table", "--format", metavar="table|json|csv|markdown", help="Output format."),
) -> None:
    """List the requirements imscheck knows."""
    from .commands import browse

    raise typer.Exit(browse.run_catalogue(standard, format, *_streams()))


@app.command()
def matrix(
    source: Optional[str] = typer.Option(None, "--from", metavar="ID", help="Only correlations from this standard."),
    target: Optional[str] = typer.Option(None, "--to", metavar="ID", help="Only correlations to this standard."),
    format: str = typer.Option("table", "--format", metavar="table|json|csv|markdown", help="Output format (csv and markdown add titles, the difference and its basis)."),
) -> None:
    """List the correlations between requirements of different standards."""
    from .commands import browse

    raise typer.Exit(browse.run_matrix(source, target, format, *_streams()))


@app.command()
def explain(
    requirement: str = typer.Argument(..., metavar="REQUIREMENT|RULE", help="e.g. ISO27001:2022/A.5.19, 27001:2022/A.5.19, 9001 8.3.2, A.5.19, or a rule id such as MR02."),
    format: str = typer.Option("text", "--format", metavar="text|json", help="Output format."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="Know the organisation's own rule files too (repeatable)."),
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Read a short form such as A.5.19 as a clause of this standard."),
) -> None:
    """Show one requirement (summary, documented information, correlations both ways, deciding rules) or one rule."""
    from .commands import browse

    raise typer.Exit(browse.run_explain(requirement, format, *_streams(), rules, standard))


@app.command()
def schema() -> None:
    """Print the JSON Schema of IMS description files, for editors and validators."""
    from . import resources

    typer.echo(json.dumps(resources.schema("ims.schema.json"), indent=2, ensure_ascii=False))


@app.command()
def coverage(
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Only this standard (repeatable)."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="Count the organisation's own rule files too."),
    format: str = typer.Option("table", "--format", metavar="table|json", help="Output format."),
) -> None:
    """Show how each requirement is decided: by rules, by a person's attestation, or not at all."""
    from .commands import browse

    raise typer.Exit(browse.run_coverage(standard, rules, format, *_streams()))


@app.command()
def verify(
    directory: Optional[Path] = typer.Argument(None, metavar="[DIR]", help="A folder of rule files (default: the built-in rules)."),
    junit: Optional[str] = typer.Option(None, "--junit", metavar="FILE", help="Write the example results as JUnit XML."),
) -> None:
    """Run the pass and fail examples of rule files, like a test runner."""
    from .commands import verify as verify_command

    raise typer.Exit(verify_command.run_verify(directory, junit, *_streams()))


@app.command()
def soa(
    path: Path = typer.Argument(..., help="The IMS description: a YAML file or a folder of them."),
    format: str = typer.Option("markdown", "--format", metavar="markdown|csv|html", help="Output format."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Date the statement and judge dates as of this day (default: today)."),
    root: Optional[Path] = typer.Option(None, "--root", help="Repository root that evidence paths are relative to."),
) -> None:
    """Print the Statement of Applicability: every Annex A control, the IMS's decision on it, its evidence and verdict."""
    from .commands import soa as soa_command

    raise typer.Exit(soa_command.run_soa(path, root, _as_of(as_of), format, *_streams()))


@app.command("evidence-matrix")
def evidence_matrix(
    path: Path = typer.Argument(..., help="The IMS description: a YAML file or a folder of them."),
    format: str = typer.Option("markdown", "--format", metavar="markdown|csv|json", help="Output format."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Judge dates as of this day (default: today)."),
    root: Optional[Path] = typer.Option(None, "--root", help="Repository root that evidence paths are relative to."),
) -> None:
    """Show which evidence serves which requirement of which standard, with advice on integrating the systems."""
    from .commands import evidence_matrix as evidence_matrix_command

    raise typer.Exit(evidence_matrix_command.run_evidence_matrix(path, root, _as_of(as_of), format, *_streams()))


@app.command()
def init(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The folder of the new IMS repository (default: the current folder)."),
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="A standard to claim (repeatable), e.g. ISO27001:2022."),
) -> None:
    """Scaffold an IMS repository: organisation, management systems, SoA, attestation stubs, evidence folder, configuration and CI files."""
    from .commands import init as init_command

    raise typer.Exit(init_command.run_init(directory, standard, *_streams()))


@app.command("add-standard")
def add_standard(
    standard: str = typer.Argument(..., metavar="ID", help="The standard to add, e.g. ISO20000-1:2018."),
    path: Optional[Path] = typer.Argument(None, metavar="[PATH]", help="The IMS file or folder (default: the 'ims' globs of .imscheck.yaml)."),
) -> None:
    """Add a standard to an existing IMS: a new management system file, and the entries that should name it."""
    from .commands import init as init_command

    raise typer.Exit(init_command.run_add_standard(standard, path, *_streams()))


export_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                         help="Write imscheck's rules for other tools.")
app.add_typer(export_app, name="export")


@export_app.command("rego")
def export_rego(
    output: Path = typer.Option(..., "--output", metavar="DIR", help="The bundle folder to write (created if missing)."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="A folder of the organisation's own rule files (repeatable)."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Include imscheck's built-in rules (default), or only the --rules folders."),
) -> None:
    """Write the rules as a Rego v1 bundle for OPA and conftest (see README.txt in it)."""
    from .commands import export as export_command

    raise typer.Exit(export_command.run_export_rego(rules, builtin, output, *_streams()))


@app.command()
def facts(
    path: Path = typer.Argument(..., help="The IMS description: a YAML file or a folder of them."),
    output: str = typer.Option("-", "--output", metavar="FILE", help="Where to write the JSON ('-', the default, for standard output)."),
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Check only this standard (repeatable)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Judge dates as of this day (default: today)."),
    root: Optional[Path] = typer.Option(None, "--root", help="Repository root that evidence paths are relative to."),
) -> None:
    """Write the facts of an IMS as the input document of the exported Rego bundle."""
    from .commands import export as export_command

    raise typer.Exit(export_command.run_facts(path, root, standard, _as_of(as_of), output, *_streams()))


@app.command()
def version() -> None:
    """Print imscheck's version."""
    typer.echo(__version__)


def main() -> None:
    try:
        app(prog_name="imscheck")
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    _leave(code or 0)


def _leave(code: int) -> None:
    """End the process without taking every object of the run apart first.

    At 10,000 entities the interpreter's teardown (freeing the data, facts and
    verdicts one object at a time) is 60-90 ms of a 1.5 s run, and nothing is
    left to do by then: reports are written and renamed, child processes
    joined, temporary folders removed. So, as mypy does, flush what was printed
    and leave.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            code = code or 1
    os._exit(code)
