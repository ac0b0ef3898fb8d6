"""Bad input never crashes imscheck: every case of tests/error_corpus/cases.yaml.

The cases are data. Each one lays out files in a temporary folder (the IMS in
``ims/``, a custom rule pack in ``rules/``), runs the CLI in-process, and
expects exit code 2 (unless the case says otherwise) and a located message:
a line of the output starting with ``<file>:<line>:`` that contains the
fragment. There must be no traceback, and no report file may be written.

A case's fields (see the head of cases.yaml):

name        the test id
command     validate (default), check or verify
path        the argument given to the command (default: ims; rules for verify)
args        extra command-line arguments
base        true (default): tests/error_corpus/base.yaml is added as ims/base.yaml
files       relative path (under ims/) -> text
rules       relative path (under rules/) -> text; for check, '--rules rules' is added
rule_edits  list of [old, new]: tests/error_corpus/rule.yaml (a valid custom rule) with
            each old text replaced once, written as rules/acm01.yaml
files_base64   relative path (from the case folder) -> base64 bytes
generate    list of {path (from the case folder), then one of:
              repeat: text, times: N, [head, tail, tail_repeat]  -> UTF-8 file:
                head + repeat * N + tail + tail_repeat * N
              latin1: text                                      -> Latin-1 bytes
              sparse: N                                         -> N zero bytes, sparse
              nested: N, name: D                                -> folders D/D/... N deep}
symlinks    link path (from the case folder) -> target (relative to the link's folder)
dirs        folders to create (from the case folder)
fifos       named pipes to create (from the case folder)
expect      file (null: any line), line, message, exit (default 2),
            stream (stderr by default), max_seconds (optional),
            absent (optional): text that must appear nowhere in the output (a refused file's content)
isolate     true: run `python -m imscheck` in a subprocess (for inputs that may kill the process)
xfail       reason: imscheck is known to get this case wrong
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import run_cli

CORPUS = Path(__file__).resolve().parent / "error_corpus"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))["cases"]
REPORT_OPTIONS = ("--json", "--junit", "--sarif", "--codequality", "--markdown")


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def lay_out(case: dict[str, Any], folder: Path) -> None:
    """Create the case's files under ``folder``."""
    (folder / "ims").mkdir()
    if case.get("base", True):
        _write_text(folder / "ims" / "base.yaml", (CORPUS / "base.yaml").read_text(encoding="utf-8"))
    for relative, text in (case.get("files") or {}).items():
        _write_text(folder / "ims" / relative, text)
    for relative, text in (case.get("rules") or {}).items():
        _write_text(folder / "rules" / relative, text)
    if "rule_edits" in case:
        text = (CORPUS / "rule.yaml").read_text(encoding="utf-8")
        for old, new in case["rule_edits"]:
            assert old in text, f"case {case['name']}: {old!r} is not in rule.yaml"
            text = text.replace(old, new, 1)
        _write_text(folder / "rules" / "acm01.yaml", text)
    for relative, encoded in (case.get("files_base64") or {}).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(encoded))
    for spec in case.get("generate") or []:
        target = folder / spec["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if "repeat" in spec:
            with open(target, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(spec.get("head", ""))
                stream.write(spec["repeat"] * spec["times"])
                stream.write(spec.get("tail", ""))
                stream.write(spec.get("tail_repeat", "") * spec["times"])
        elif "latin1" in spec:
            target.write_bytes(spec["latin1"].encode("latin-1"))
        elif "nested" in spec:
            target.mkdir(parents=True, exist_ok=True)
            current = str(target)
            for _ in range(spec["nested"]):  # os.makedirs recurses once per level
                current = os.path.join(current, spec.get("name", "d"))
                os.mkdir(current)
        elif "sparse" in spec:
            with open(target, "wb") as stream:
                stream.truncate(spec["sparse"])
        else:
            raise ValueError(f"case {case['name']}: unknown generate directive {spec}")
    for folder_name in case.get("dirs") or []:
        (folder / folder_name).mkdir(parents=True, exist_ok=True)
    for fifo in case.get("fifos") or []:
        (folder / fifo).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(folder / fifo)
    for link, target in (case.get("symlinks") or {}).items():
        where = folder / link
        where.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, where)


def command_line(case: dict[str, Any]) -> list[str]:
    command = case.get("command", "validate")
    path = case.get("path", "rules" if command == "verify" else "ims")
    argv = [command] + ([path] if path else []) + [str(a) for a in case.get("args") or []]
    if command == "check" and (case.get("rules") or "rule_edits" in case) and "--rules" not in argv:
        argv += ["--rules", "rules"]
    return argv


def report_targets(argv: list[str]) -> list[tuple[str, str]]:
    return [(arg, argv[i + 1]) for i, arg in enumerate(argv[:-1]) if arg in REPORT_OPTIONS and argv[i + 1] != "-"]


def test_the_corpus_is_large_and_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) >= 150
    assert len(set(names)) == len(names), "case names are test ids: they must be unique"
    for case in CASES:
        assert {"name", "expect"} <= set(case), case.get("name")
        assert "message" in case["expect"], case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_gives_a_located_error(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        request: pytest.FixtureRequest) -> None:
    lay_out(case, tmp_path)
    request.addfinalizer(lambda: remove_nested(case, tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IMSCHECK_DEBUG", raising=False)
    argv = command_line(case)
    expect = case["expect"]

    started = time.perf_counter()
    try:
        if case.get("isolate"):
            done = subprocess.run([sys.executable, "-m", "imscheck", *argv], capture_output=True, text=True, timeout=120,
                                  env={k: v for k, v in os.environ.items() if k != "IMSCHECK_DEBUG"})
            exit_code, stdout, stderr = done.returncode, done.stdout, done.stderr
        else:
            result = run_cli(*argv)
            exit_code, stdout, stderr = result.exit_code, result.stdout, result.stderr
    except Exception as exc:  # escaped the CLI's error boundary: a crash
        exit_code, stdout, stderr = None, "", f"Traceback (escaped the CLI): {type(exc).__name__}: {exc}\n"
    elapsed = time.perf_counter() - started

    output = stdout if expect.get("stream") == "stdout" else stderr
    everything = f"$ imscheck {' '.join(argv)}\nexit {exit_code}\n--- stdout\n{stdout}--- stderr\n{stderr}"
    wanted_file, wanted_line = expect.get("file"), expect.get("line")
    prefix = f"{wanted_file}:{wanted_line}:" if wanted_file is not None else ""
    matching = [line for line in output.splitlines() if line.startswith(prefix) and expect["message"] in line]
    problems = []
    if exit_code != expect.get("exit", 2):
        problems.append(f"exit code {exit_code}, expected {expect.get('exit', 2)}")
    if not matching:
        problems.append(f"no line starting with {prefix!r} contains {expect['message']!r}")
    if expect.get("absent") and expect["absent"] in stdout + stderr:
        problems.append(f"the output quotes {expect['absent']!r}, the content of a file imscheck must not read")
    if "Traceback" in stdout + stderr or "internal error" in stdout + stderr:
        problems.append("a traceback or internal error was printed")
    for option, target in report_targets(argv):
        if not (tmp_path / target).is_file():
            continue
        if option != "--junit":
            problems.append(f"report {target} was written")
            continue
        # The one report written on error: JUnit, with one errored test naming the problems.
        errors = ET.parse(tmp_path / target).getroot().findall(".//testcase/error")
        if len(errors) != 1 or expect["message"] not in (errors[0].text or ""):
            problems.append(f"the JUnit report {target} does not name the problem in one errored test")
    if "max_seconds" in expect and elapsed > expect["max_seconds"]:
        problems.append(f"took {elapsed:.1f} s, at most {expect['max_seconds']} s expected")

    if case.get("xfail"):
        if problems:
            pytest.xfail(case["xfail"])
        pytest.fail(f"case {case['name']} is marked xfail ({case['xfail']}) but now passes: remove the mark\n{everything}")
    assert not problems, "\n".join(problems) + "\n" + everything


def remove_nested(case: dict[str, Any], folder: Path) -> None:
    """Deep folder chains, removed bottom-up: shutil.rmtree recurses once per level."""
    for spec in case.get("generate") or []:
        if "nested" in spec:
            chain = [str(folder / spec["path"])]
            for _ in range(spec["nested"]):
                chain.append(os.path.join(chain[-1], spec.get("name", "d")))
            for path in reversed(chain[1:]):
                os.rmdir(path)
