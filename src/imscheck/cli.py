"""The command line: parses options and calls one library function per command."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__, api
from .commands import browse, verify as verify_command

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="Check an integrated management system (ISO 9001, ISO/IEC 20000-1, ISO/IEC 27001) described in YAML.")


def _as_of(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD") from None


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@app.command()
def check(
    path: Path = typer.Argument(..., help="The IMS description: a YAML file or a folder of them."),
    junit: Optional[str] = typer.Option(None, "--junit", metavar="FILE", help="Write a JUnit XML report ('-' for standard output)."),
    json_report: Optional[str] = typer.Option(None, "--json", metavar="FILE", help="Write a JSON report ('-' for standard output)."),
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Check only this standard (repeatable), e.g. ISO27001:2022."),
    as_of: Optional[str] = typer.Option(None, "--as-of", metavar="YYYY-MM-DD", help="Judge dates as of this day (default: today)."),
    root: Optional[Path] = typer.Option(None, "--root", help="Repository root that evidence paths are relative to (default: PATH if a folder, else its folder)."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="A folder of the organisation's own rule files (repeatable)."),
    builtin: bool = typer.Option(True, "--builtin/--no-builtin", help="Use imscheck's built-in rules and attestation marks (default), or only the --rules folders."),
    engine: str = typer.Option("python", "--engine", help="Rule engine: python (default) or durable (needs the durable extra)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse every YAML file again instead of reusing the parse cache."),
) -> None:
    """Decide every requirement of every claimed standard: met, unmet, not applicable, shared."""
    reports = {fmt: target for fmt, target in (("junit", junit), ("json", json_report)) if target}
    options = api.CheckOptions(path=path, root=root, standards=standard, as_of=_as_of(as_of), rules_dirs=rules, builtin_rules=builtin,
                               engine=engine, reports=reports, color=_color(), cache=not no_cache)
    raise typer.Exit(api.run_check(options, sys.stdout, sys.stderr))


@app.command()
def validate(
    path: Path = typer.Argument(..., help="The IMS description: a YAML file or a folder of them."),
    root: Optional[Path] = typer.Option(None, "--root", help="Repository root that evidence paths are relative to."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Parse every YAML file again instead of reusing the parse cache."),
) -> None:
    """Check the YAML against the schema and the references between entries; report every problem."""
    raise typer.Exit(api.run_validate(path, root, sys.stdout, sys.stderr, cache=not no_cache))


@app.command()
def catalogue(
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Only this standard (repeatable)."),
    format: str = typer.Option("table", "--format", help="table, json, csv or markdown."),
) -> None:
    """List the requirements imscheck knows."""
    raise typer.Exit(browse.run_catalogue(standard, format, sys.stdout, sys.stderr))


@app.command()
def matrix(
    source: Optional[str] = typer.Option(None, "--from", metavar="ID", help="Only correlations from this standard."),
    target: Optional[str] = typer.Option(None, "--to", metavar="ID", help="Only correlations to this standard."),
    format: str = typer.Option("table", "--format", help="table, json, csv or markdown (csv and markdown add titles, the difference and its basis)."),
) -> None:
    """List the correlations between requirements of different standards."""
    raise typer.Exit(browse.run_matrix(source, target, format, sys.stdout, sys.stderr))


@app.command()
def explain(
    requirement: str = typer.Argument(..., metavar="REQUIREMENT-ID", help="e.g. ISO27001:2022/A.5.19"),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Show one requirement: summary, documented information, correlations both ways, deciding rules."""
    raise typer.Exit(browse.run_explain(requirement, format, sys.stdout, sys.stderr))


@app.command()
def coverage(
    standard: List[str] = typer.Option([], "--standard", metavar="ID", help="Only this standard (repeatable)."),
    rules: List[Path] = typer.Option([], "--rules", metavar="DIR", help="Count the organisation's own rule files too."),
    format: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Show how each requirement is decided: by rules, by a person's attestation, or not at all."""
    raise typer.Exit(browse.run_coverage(standard, rules, format, sys.stdout, sys.stderr))


@app.command()
def verify(
    directory: Optional[Path] = typer.Argument(None, help="A folder of rule files (default: the built-in rules)."),
    junit: Optional[str] = typer.Option(None, "--junit", metavar="FILE", help="Write the example results as JUnit XML."),
) -> None:
    """Run the pass and fail examples of rule files, like a test runner."""
    raise typer.Exit(verify_command.run_verify(directory, junit, sys.stdout, sys.stderr))


@app.command()
def version() -> None:
    """Print imscheck's version."""
    typer.echo(__version__)


def main() -> None:
    app(prog_name="imscheck")
