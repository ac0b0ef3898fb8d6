"""The command line behaves like the tools its users know: version, help, completion, quiet, colour, progress."""

from __future__ import annotations

import json
import os
import pty
import select
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, run_cli, write
from .test_reports import DATA, IMS

ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


def imscheck(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "imscheck", *args], capture_output=True, text=True, env=env or ENV, cwd=cwd, timeout=120)


def test_version_answers_without_loading_the_library():
    probe = ("import sys, runpy; sys.argv = ['imscheck', '--version']\n"
             "import imscheck.cli; imscheck.cli._leave = sys.exit  # to look around after the command\n"
             "try:\n    runpy.run_module('imscheck', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'jsonschema', 'fastjsonschema') or m in ('imscheck.api', 'imscheck.load.ims'))\n"
             "print('HEAVY', heavy)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV, timeout=60)
    from imscheck import __version__
    assert result.stdout.splitlines() == [__version__, "HEAVY []"]


def test_short_help_and_long_help_are_the_same():
    short, long = run_cli("check", "-h"), run_cli("check", "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout


def test_help_shows_choices_and_real_metavars():
    text = " ".join(run_cli("check", "-h").stdout.split())
    for shown in ("--engine python|durable", "--color auto|always|never", "--warn-within DURATION", "--junit FILE", "[PATH]"):
        assert shown in text
    assert "--format table|json|csv|markdown" in " ".join(run_cli("catalogue", "-h").stdout.split())


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_shell_completion_is_offered():
    # Typed in a shell, as people do: the completion script is for the shell imscheck runs under
    # (found from the processes above it, so the test must not depend on what started pytest;
    # "; true" keeps bash from replacing itself with the command).
    command = " ".join(shlex.quote(part) for part in (sys.executable, "-m", "imscheck", "--show-completion"))
    result = subprocess.run(["bash", "-c", command + "; true"], capture_output=True, text=True, env=ENV, timeout=120)
    assert "_IMSCHECK_COMPLETE=complete_bash" in result.stdout, result.stderr
    assert "--install-completion" in run_cli("--help").stdout


def test_what_a_command_prints_is_all_there_when_it_leaves(folder, tmp_path):
    # main() ends the process without the interpreter's teardown: buffered output must be flushed first.
    result = imscheck(*check_args(folder), "--json", "-", "--sarif", str(tmp_path / "r.sarif"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]
    assert json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert imscheck("check", str(tmp_path / "missing")).returncode == 2
    assert imscheck("check", "--as-of").returncode == 2


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "ims", "ims.yaml", IMS)
    (tmp_path / "ims" / "minutes.md").write_text("minutes")
    return tmp_path / "ims"


def check_args(folder: Path) -> list[str]:
    return ["check", str(folder), "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin", "--standard", "ISO9001:2015"]


def test_quiet_prints_only_the_final_line(folder):
    result = run_cli(*check_args(folder), "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "Result: every evaluated requirement is met.\n"


@pytest.mark.parametrize("choice, coloured", [("always", True), ("never", False), ("auto", False)])
def test_color_choice(folder, choice, coloured):
    result = run_cli(*check_args(folder), "--color", choice)  # standard output is not a terminal here
    assert ("\033[" in result.stdout) is coloured


@pytest.mark.parametrize("choice, env, coloured", [
    ("auto", {}, True),
    ("auto", {"NO_COLOR": "1"}, False),
    ("auto", {"TERM": "dumb"}, False),
    ("always", {"NO_COLOR": "1", "TERM": "dumb"}, True),  # asked for explicitly
    ("never", {}, False),
])
def test_color_on_a_terminal(monkeypatch, choice, env, coloured):
    from imscheck import cli

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True)
    assert cli._color(choice) is coloured


def test_unknown_color_is_a_usage_error(folder):
    result = run_cli(*check_args(folder), "--color", "sometimes")
    assert result.exit_code == 2 and "auto, always, never" in result.stderr


def run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run with standard output and error on a pseudo-terminal; return what the terminal saw."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "imscheck", *args], stdin=terminal, stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(controller)
    return seen.decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_and_is_cleared(folder):
    seen = run_in_terminal(check_args(folder), {**ENV, "TERM": "xterm"})
    assert "\rimscheck: evaluating 1 rule for 1 standard" in seen
    assert "Result: every evaluated requirement is met." in seen
    assert "\033[" in seen  # auto colour on a terminal


def test_term_dumb_turns_colour_off_on_a_terminal(folder):
    seen = run_in_terminal(check_args(folder), {**ENV, "TERM": "dumb"})
    assert "Result: every evaluated requirement is met." in seen and "\033[" not in seen


def test_no_progress_when_standard_error_is_not_a_terminal(folder):
    result = imscheck(*check_args(folder))
    assert result.returncode == 0 and "\r" not in result.stderr + result.stdout and result.stderr == ""


def test_schema_prints_the_ims_schema_with_a_stable_id():
    result = run_cli("schema")
    schema = json.loads(result.stdout)
    assert schema["$id"] == "urn:imscheck:schemas:ims.schema.json"
    assert "example" not in schema["$id"]
    assert schema == json.loads((REPO / "schemas" / "ims.schema.json").read_text())


@pytest.mark.parametrize("text, expected", [
    ("MR02", "MR02 management-review-inputs"),
    ("mr02", "MR02 management-review-inputs"),
    ("27001:2022/A.5.19", "ISO27001:2022/A.5.19  Information security in supplier relationships"),
    ("9001 8.3.2", "ISO9001:2015/8.3.2  Design and development planning"),
    ("A.5.19", "ISO27001:2022/A.5.19"),
    ("ISO27001:2022/A.5.19", "ISO27001:2022/A.5.19"),
])
def test_explain_accepts_rule_ids_and_short_forms(text, expected):
    result = run_cli("explain", text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(expected)


def test_explain_names_the_candidates_of_an_ambiguous_short_form():
    result = run_cli("explain", "9.3")
    assert result.exit_code == 2 and "ISO9001:2015/9.3, ISO20000-1:2018/9.3" in result.stderr
    assert run_cli("explain", "9.3", "--standard", "ISO20000-1:2018").stdout.startswith("ISO20000-1:2018/9.3")
    assert run_cli("explain", "A.8.1", "--standard", "ISO27001:2013").exit_code == 2  # not a 2013 control id


def test_explain_knows_custom_rule_folders():
    assert run_cli("explain", "TST01").exit_code == 2
    result = run_cli("explain", "TST01", "--rules", str(DATA), "--format", "json")
    record = json.loads(result.stdout)
    assert record["rule"] == "TST01" and record["custom"] is True
    assert {"requirement": "ISO9001:2015/9.3.1", "title": "General"} in record["decides"]
