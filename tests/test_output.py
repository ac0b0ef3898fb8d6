"""Reports are written as one set, only where the command line says, and never through a committed link."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from imscheck import output

from .conftest import run_cli, write
from .test_cli import COMPLETE
from .test_reports import DATA


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout in tmp/work (the working folder), with a folder outside it."""
    repo = tmp_path / "work"
    write(repo / "ims", "ims.yaml", COMPLETE)
    (repo / "ims" / "minutes.md").write_text("minutes")
    (tmp_path / "outside").mkdir()
    monkeypatch.chdir(repo)
    return repo


def check(*extra: str):
    return run_cli("check", "ims", "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin", *extra)


def test_a_report_folder_linked_outside_the_working_folder_is_refused(work):
    os.symlink("../outside", work / "reports")
    result = check("--json", "reports/x.json")
    assert result.exit_code == 2
    assert "imscheck: cannot write report reports/x.json: folder reports is a symbolic link that leads outside the working folder" in result.stderr
    assert list((work.parent / "outside").iterdir()) == []


def test_a_report_path_that_is_a_link_to_dev_null_is_replaced_by_the_report(work):
    (work / "out").mkdir()
    os.symlink("/dev/null", work / "out" / "junit.xml")
    result = check("--junit", "out/junit.xml")
    assert result.exit_code == 0, result.stderr
    written = work / "out" / "junit.xml"
    assert not written.is_symlink() and written.read_text().startswith("<?xml")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_report_path_that_is_a_link_to_a_file_outside_replaces_the_link_not_the_file(work):
    secret = work.parent / "outside" / "keep.txt"
    secret.write_text("untouched")
    os.symlink(secret, work / "r.json")
    assert check("--json", "r.json").exit_code == 0
    assert secret.read_text() == "untouched"
    assert json.loads((work / "r.json").read_text())["results"]


def test_a_report_path_that_is_a_link_to_a_fifo_does_not_hang(work):
    os.mkfifo(work.parent / "outside" / "pipe")
    os.symlink("../outside/pipe", work / "r.json")
    done = subprocess.run([sys.executable, "-m", "imscheck", "check", "ims", "--as-of", "2025-06-30", "--rules", str(DATA), "--no-builtin",
                           "--json", "r.json"], capture_output=True, text=True, timeout=60, cwd=work)
    assert done.returncode == 0, done.stderr
    assert (work / "r.json").is_file() and not (work / "r.json").is_symlink()
    assert stat.S_ISFIFO(os.lstat(work.parent / "outside" / "pipe").st_mode)


def test_dev_null_named_on_the_command_line_is_written_into(work):
    assert check("--json", "/dev/null").exit_code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("first, second", [("r.out", "r.out"), ("r.out", "./r.out"), ("r.out", "ims/../r.out"),
                                           ("r\u00e9.out", "re\u0301.out")])
def test_two_report_options_on_one_file_are_a_usage_error(work, first, second):
    result = check("--json", first, "--junit", second)
    assert result.exit_code == 2
    assert "both write to" in result.stderr and "give each report its own file" in result.stderr
    assert not [p for p in work.iterdir() if p.name.endswith(".out")]


@pytest.mark.parametrize("target", ["ims/ims.yaml", "ims/new.yaml"])
def test_a_report_over_an_input_is_a_usage_error(work, target):
    before = (work / "ims" / "ims.yaml").read_text()
    result = check("--json", target)
    assert result.exit_code == 2 and "would overwrite (or become) an input of this run" in result.stderr
    assert (work / "ims" / "ims.yaml").read_text() == before and not (work / "ims" / "new.yaml").exists()


def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_reports_are_all_or_none_and_a_full_device_is_named(work):
    (work / "good.json").write_text("previous")
    result = check("--json", "good.json", "--junit", "/dev/full")
    assert result.exit_code == 2
    assert "imscheck: cannot write report /dev/full: no space left on device" in result.stderr
    assert (work / "good.json").read_text() == "previous"
    _no_temporaries(work)


def test_a_full_disk_names_the_report_and_keeps_the_previous_ones(work, monkeypatch):
    (work / "a.json").write_text("previous a")
    (work / "b.xml").write_text("previous b")
    real = output.tempfile.mkstemp
    calls = []

    def mkstemp(*args, **kwargs):
        calls.append(kwargs.get("prefix"))
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(output.tempfile, "mkstemp", mkstemp)
    result = check("--json", "a.json", "--junit", "b.xml")
    assert result.exit_code == 2
    assert "imscheck: cannot write report b.xml: no space left on device" in result.stderr
    assert (work / "a.json").read_text() == "previous a" and (work / "b.xml").read_text() == "previous b"
    _no_temporaries(work)


@pytest.mark.parametrize("umask, mode", [(0o027, 0o640), (0o002, 0o664)])
def test_reports_honour_the_umask(work, umask, mode):
    previous = os.umask(umask)
    try:
        assert check("--json", "r.json", "--junit", "r.xml").exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(work / "r.json").st_mode) == mode
    assert stat.S_IMODE(os.stat(work / "r.xml").st_mode) == mode


def test_each_target_is_looked_at_once_when_the_set_is_written(work, monkeypatch):
    (work / "old.json").write_text("previous")
    os.chmod(work / "old.json", 0o600)
    real, seen = os.lstat, []

    def lstat(path, *args, **kwargs):
        seen.append(os.fspath(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(output.os, "lstat", lstat)
    output.write_reports([("old.json", "a"), ("new.xml", "b"), ("/dev/null", "c")], sys.stdout)
    assert sorted(seen) == ["/dev/null", "new.xml", "old.json"], seen
    assert (work / "old.json").read_text() == "a" and stat.S_IMODE(real(work / "old.json").st_mode) == 0o600
    assert (work / "new.xml").read_text() == "b"
