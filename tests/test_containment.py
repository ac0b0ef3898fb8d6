"""Nothing is read outside the root and nothing written outside an example's folder, whatever the repository holds."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from imscheck import containment
from imscheck.containment import Refusal, create_file
from imscheck.evidence.files import evidence_status

from .conftest import MINIMAL_IMS, REPO, run_cli, write


# ---------------------------------------------------------------- example files


@pytest.mark.parametrize("name, why", [
    ("/tmp/evil.pth", "is absolute"),
    ("../evil.pth", "leaves the repository through '..'"),
    ("a/../../evil.pth", "leaves the repository through '..'"),
    ("a\\b.md", "contains a backslash"),
    ("", "is empty"),
])
def test_example_file_names_follow_the_evidence_path_rules(tmp_path, name, why):
    with pytest.raises(Refusal, match=re.escape(why)):
        create_file(str(tmp_path), name, "x")
    assert list(tmp_path.iterdir()) == []


def test_example_files_are_not_written_through_a_link(tmp_path):
    outside, folder = tmp_path / "outside", tmp_path / "example"
    outside.mkdir()
    folder.mkdir()
    os.symlink(outside, folder / "evidence")
    os.symlink(outside / "f.md", folder / "f.md")
    with pytest.raises(Refusal):
        create_file(str(folder), "evidence/a.md", "x")
    with pytest.raises(Refusal):
        create_file(str(folder), "f.md", "x")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("first, second", [("a", "a/b"), ("a/b", "a")])
def test_clashing_example_files_are_refused(tmp_path, first, second):
    create_file(str(tmp_path), first, "x")
    with pytest.raises(Refusal, match="example file"):
        create_file(str(tmp_path), second, "y")


def test_example_files_stay_contained_where_folders_cannot_be_opened_relative_to_each_other(tmp_path, monkeypatch):
    monkeypatch.setattr(containment.os, "supports_dir_fd", set())  # as on Windows
    test_example_files_are_not_written_through_a_link(tmp_path)
    (tmp_path / "clash").mkdir()
    create_file(str(tmp_path / "clash"), "a", "x")
    with pytest.raises(Refusal, match="needs 'a' to be a folder"):
        create_file(str(tmp_path / "clash"), "a/b", "y")
    create_file(str(tmp_path / "clash"), "c/d.md", "z")
    assert (tmp_path / "clash" / "c" / "d.md").read_text() == "z"


# ---------------------------------------------------------------- folders


def test_a_linked_sub_folder_inside_the_root_is_followed(tmp_path):
    write(tmp_path / "repo" / "ims", "ims.yaml", MINIMAL_IMS)
    write(tmp_path / "repo" / "more", "locations.yaml", "locations:\n  - {id: hq, name: Head office}\n")
    os.symlink("../more", tmp_path / "repo" / "ims" / "more")
    result = run_cli("validate", str(tmp_path / "repo" / "ims"), "--root", str(tmp_path / "repo"))
    assert result.exit_code == 0, result.stderr
    assert "valid (6 entities in 2 files)" in result.stdout


def test_an_unreadable_sub_folder_is_a_located_error(tmp_path, monkeypatch):
    # tests run as root in CI, where permissions do not stop reading: make scandir fail as it would
    write(tmp_path, "ims.yaml", MINIMAL_IMS)
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(containment.os, "scandir", scandir)
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "locked:1:1: /: this folder cannot be read (permission denied)" in result.stderr


def test_file_names_that_are_not_utf8_are_escaped_in_messages_and_reports(tmp_path):
    folder = tmp_path / "ims"
    write(folder, "ims.yaml", MINIMAL_IMS)
    name = os.fsdecode(b"\xff-documents.yaml")
    write(folder, name, "documents:\n  - {id: d1, title: T, kind: record, management_systems: [qms], path: gone.md}\n")
    result = run_cli("check", str(folder), "--as-of", "2025-06-30", "--json", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml"))
    assert result.exit_code == 1, result.stderr
    assert "\\xff-documents.yaml" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert any(r["location"] and r["location"]["file"] == "\\xff-documents.yaml" for r in report["results"])
    assert "\\xff-documents.yaml" in (tmp_path / "r.xml").read_text(encoding="utf-8")


# ---------------------------------------------------------------- evidence


def test_evidence_names_are_compared_in_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "résumé")
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / f"{decomposed}.md").write_text("x")
    assert evidence_status(tmp_path, "evidence/résumé.md") == "present"
    assert evidence_status(tmp_path, f"evidence/{decomposed}.md") == "present"


def _lookup(root: str, relative: str, folders: dict | None) -> object:
    try:
        return containment.locate_evidence(root, relative, folders)
    except Refusal as refusal:
        return f"refused: {refusal}"


def test_evidence_looked_up_through_a_memo_of_folders_finds_what_a_fresh_lookup_finds(tmp_path):
    root = tmp_path / "repo"
    decomposed = unicodedata.normalize("NFD", "dossiers-é")
    for folder in ("evidence/a", f"evidence/{decomposed}", "real"):
        (root / folder).mkdir(parents=True)
    (root / "evidence/a/one.md").write_text("x")
    (root / "evidence/a/empty.md").write_text("")
    (root / f"evidence/{decomposed}/two.md").write_text("x")
    (root / "real/three.md").write_text("x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/secret.md").write_text("x")
    os.symlink(root / "real", root / "evidence/linked")
    os.symlink(tmp_path / "outside", root / "evidence/leaving")
    os.symlink(root / "nowhere", root / "evidence/dangling")
    os.symlink("loop", root / "evidence/loop")
    paths = ["evidence/a/one.md", "evidence/a/empty.md", "evidence/a/none.md", "evidence/dossiers-é/two.md",
             f"evidence/{decomposed}/two.md", "evidence/linked/three.md", "evidence/linked/four.md", "evidence/leaving/secret.md",
             "evidence/dangling/x.md", "evidence/loop/x.md", "evidence/absent/x.md", "evidence/a/one.md/below.md", "./evidence//a/one.md"]
    folders: dict = {}
    fresh = [_lookup(str(root), p, None) for p in paths]
    assert [_lookup(str(root), p, folders) for p in paths] == fresh
    assert [_lookup(str(root), p, folders) for p in reversed(paths)] == fresh[::-1]  # answered from the memo this time
    assert folders  # the memo was used
    assert fresh[0][1] is not None and fresh[2][1] is None and fresh[5][0] == str(root / "real/three.md")
    assert fresh[7].startswith("refused: goes through a symbolic link that leaves the repository")


@pytest.mark.parametrize("where", ["folder", "file"])
def test_evidence_that_cannot_be_read_says_so(tmp_path, monkeypatch, where):
    # tests run as root in CI, where permissions do not stop reading: fail the calls as they would
    write(tmp_path, "ims.yaml", MINIMAL_IMS + "documents:\n  - {id: d1, title: T, kind: record, management_systems: [qms], path: locked/a.md}\n")
    write(tmp_path, "locked/a.md", "x")
    if where == "folder":
        real = os.lstat

        def lstat(path, *args, **kwargs):
            if str(path).endswith("locked/a.md"):
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real(path, *args, **kwargs)

        monkeypatch.setattr(containment.os, "lstat", lstat)
    else:
        real_access = os.access
        monkeypatch.setattr(containment.os, "access", lambda path, mode, **kw: not str(path).endswith("a.md") and real_access(path, mode, **kw))
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "/documents/0/path: evidence path 'locked/a.md' cannot be read: permission denied" in result.stderr


# ---------------------------------------------------------------- under strace

RULE = (REPO / "tests" / "error_corpus" / "rule.yaml").read_text(encoding="utf-8")
BASE = (REPO / "tests" / "error_corpus" / "base.yaml").read_text(encoding="utf-8")
SYSCALLS = "open,openat,openat2,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,rmdir,symlink,symlinkat,link,linkat,truncate"


def _hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A repository whose links, pipes and rule examples reach outside it."""
    outside, repo = tmp_path / "outside", tmp_path / "repo"
    outside.mkdir()
    (outside / "secret.yaml").write_text("id: 'ghp_SECRETTOKEN'\n")
    (outside / "folder").mkdir()
    (outside / "folder" / "secret.yaml").write_text("units: [{id: ghp_SECRETTOKEN, name: x}]\n")
    (outside / "keep.json").write_text("untouched")
    write(repo / "ims", "base.yaml", BASE)
    (repo / "ims" / "evidence").mkdir()
    (repo / "ims" / "evidence" / "policy.md").write_text("policy")
    os.symlink("../../../outside/secret.yaml", repo / "ims" / "evidence" / "secret.md")
    write(repo / "rules", "acm01.yaml", RULE.replace("    - name: reviewed\n", "    - name: reviewed\n      files: {evidence/a.md: x, b/c.md: y}\n", 1))
    write(repo / "hostile-ims", "base.yaml", BASE)
    os.symlink("../../outside/folder", repo / "hostile-ims" / "shared")
    os.symlink("../../outside/secret.yaml", repo / "hostile-ims" / "more.yaml")
    os.mkfifo(repo / "hostile-ims" / "pipe.yaml")
    write(repo / "hostile-rules", "acm01.yaml", RULE)
    os.symlink("../../outside/secret.yaml", repo / "hostile-rules" / "evil.yaml")
    os.mkfifo(repo / "hostile-rules" / "pipe.yaml")
    (repo / "out").mkdir()
    os.symlink("../../outside/keep.json", repo / "out" / "r.json")
    os.symlink("../outside", repo / "linked-out")
    return repo, outside


def _strace(tmp_path: Path, repo: Path, *argv: str) -> tuple[int, str, list[str]]:
    log = tmp_path / f"strace-{len(list(tmp_path.glob('strace-*')))}.log"
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(["strace", "-f", "-qq", "-y", "-e", f"trace={SYSCALLS}", "-o", str(log), sys.executable, "-m", "imscheck", *argv],
                          capture_output=True, text=True, timeout=300, cwd=repo, env=environment)
    return done.returncode, done.stdout + done.stderr, log.read_text(encoding="utf-8", errors="replace").splitlines()


_CALL = re.compile(r'^\d+\s+(\w+)\((.*)\)\s+=\s+(-?\d+)')
_PATH = re.compile(r'(?:(?:AT_FDCWD|\d+<(?P<dir>[^>]*)>),\s*)?"(?P<path>[^"]*)"')


def _touched(lines: list[str], cwd: Path) -> list[tuple[str, str, bool]]:
    """(syscall, absolute path, writes) for every call that succeeded."""
    found = []
    for line in lines:
        match = _CALL.match(line)
        if not match or int(match.group(3)) < 0:
            continue
        call, arguments = match.group(1), match.group(2)
        writes = call not in ("open", "openat", "openat2") or bool(re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", arguments))
        for path_match in _PATH.finditer(arguments):
            path = path_match.group("path")
            base = path_match.group("dir") or str(cwd)
            found.append((call, os.path.normpath(os.path.join(base, path)), writes))
    return found


def _allowed_reads() -> tuple[str, ...]:
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(REPO / "src"), str(REPO / "rules"), str(REPO / "schemas"),
              "/dev", "/proc", "/sys", "/etc", "/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/zoneinfo", "/usr/share/locale", "/usr/local/lib"}
    places |= {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    # git, asked for the evidence files' state, reads its own configuration (not the repository's content)
    places |= {os.path.expanduser("~/.gitconfig"), os.path.expanduser("~/.config/git"), "/usr/share/git-core"}
    return tuple(sorted(places))


def _inside(path: str, places: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in places)


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (apt-get install strace; .ci/run installs it)")
def test_a_hostile_repository_makes_imscheck_open_nothing_outside_it(tmp_path):
    repo, outside = _hostile(tmp_path)
    probe = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat", "-o", os.devnull, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here (ptrace denied?): {probe.stderr.strip()[:200]}")
    temporary = os.path.realpath(os.environ.get("TMPDIR", "/tmp"))
    runs = [
        (("check", "hostile-ims", "--as-of", "2025-06-30", "--json", "out/r.json"), 2, ()),
        (("validate", "hostile-ims"), 2, ()),
        (("verify", "hostile-rules", "--junit", "out/v.xml"), 2, ()),
        (("check", "ims", "--as-of", "2025-06-30", "--json", "linked-out/r.json"), 2, ()),
        (("check", "ims", "--as-of", "2025-06-30", "--json", "out/r.json", "--junit", "out/r.xml"), 1, ("out/r.json", "out/r.xml")),
        (("verify", "rules", "--junit", "out/v.xml"), 0, ("out/v.xml",)),
    ]
    reads = _allowed_reads() + (str(repo),)
    cache = os.path.realpath(os.environ["IMSCHECK_CACHE_DIR"])
    for argv, expected, reports in runs:
        code, printed, lines = _strace(tmp_path, repo, *argv)
        assert code == expected, (argv, printed)
        assert "ghp_SECRETTOKEN" not in printed and "Traceback" not in printed and "internal error" not in printed, printed
        touched = _touched(lines, repo)
        assert touched, f"strace recorded nothing for {argv}: {lines[:5]}"
        examples = [p for _, p, _ in touched if re.match(re.escape(temporary) + r"/imscheck-example-", p)]
        for call, path, writes in touched:
            in_example = path in examples or _inside(path, tuple(e for e in examples if os.path.basename(e).startswith("imscheck-example-")))
            # tempfile probes that its folder is writable with a short random name (verify's examples)
            in_example = in_example or (argv[0] == "verify" and os.path.dirname(path) == temporary
                                        and re.fullmatch(r"[a-z0-9_]{8}", os.path.basename(path)) is not None)
            if writes:
                report_ok = any(path == str(repo / r) or (os.path.dirname(path) == str(repo / os.path.dirname(r)) and
                                                          os.path.basename(path).startswith(f".{os.path.basename(r)}.")) for r in reports)
                # imscheck's own parse cache (off with --no-cache) is the one other place it writes
                assert report_ok or in_example or _inside(path, (cache,)) or path in ("/dev/null", "/dev/tty"), f"{argv}: {call} wrote {path}"
            else:
                assert _inside(path, reads + (cache,)) or in_example or path == temporary, f"{argv}: {call} opened {path} outside the repository"
            assert not _inside(path, (str(outside),)), f"{argv}: {call} reached {path}"
    assert (outside / "keep.json").read_text() == "untouched"
    assert sorted(p.name for p in outside.iterdir()) == ["folder", "keep.json", "secret.yaml"]


def test_a_path_is_shown_relative_to_its_base_else_absolute(tmp_path, monkeypatch):
    from imscheck.containment import shown_path

    (tmp_path / "repo" / "ims").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "repo" / "linked").symlink_to(tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path / "repo")
    assert shown_path(tmp_path / "repo" / "ims" / "a.yaml") == "ims/a.yaml"
    assert shown_path(tmp_path / "repo") == "."
    assert shown_path(tmp_path / "elsewhere" / "b.yaml", tmp_path / "repo") == (tmp_path / "elsewhere" / "b.yaml").as_posix()
    assert shown_path("ims/a.yaml", tmp_path / "repo", prefix="rules/") == "rules/ims/a.yaml"
    # the name a file was found under wins over where its link leads
    assert shown_path(tmp_path / "repo" / "linked" / "c.yaml", tmp_path / "repo") == "linked/c.yaml"
    assert shown_path(tmp_path / "repo" / "linked" / "c.yaml", tmp_path / "elsewhere") == "c.yaml"
    assert shown_path(os.fsdecode(b"caf\xe9.yaml")) == "caf\\xe9.yaml"


def test_a_refusal_carries_its_kind_and_reason_and_words_its_message_from_them(tmp_path):
    from imscheck.containment import Refusal, read_regular_file

    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "big.yaml").write_text("x" * 10)
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere")
    seen = {}
    for name in ("pipe.yaml", "big.yaml", "gone.yaml"):
        with pytest.raises(Refusal) as caught:
            read_regular_file(tmp_path / name, str(tmp_path.resolve()), 5)
        seen[name] = (caught.value.kind, caught.value.reason, str(caught.value))
    assert seen["pipe.yaml"] == (Refusal.NOT_REGULAR, "a named pipe (FIFO)", "is a named pipe (FIFO), not a regular file: imscheck reads regular files only")
    assert seen["big.yaml"][0] == Refusal.TOO_LARGE and seen["big.yaml"][2].startswith("file is 10 bytes; imscheck reads at most 5 bytes")
    assert seen["gone.yaml"] == (Refusal.UNREADABLE, "it does not exist", "cannot be read: it does not exist")
