"""The git view of evidence files, read from real repositories built here."""

from __future__ import annotations

import os

import pytest

from imscheck.evidence import git as gitstate
from imscheck.evidence.git import Commit, parse_log, read_revision, read_work_tree

from .gitrepo import Repo, needs_git

pytestmark = needs_git


@pytest.fixture(autouse=True)
def quiet_home(tmp_path, monkeypatch):
    """imscheck's own git calls must not depend on the machine's global configuration either."""
    monkeypatch.setenv("HOME", str(tmp_path / "imscheck-home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def repo(tmp_path) -> Repo:
    repo = Repo.init(tmp_path / "repo")
    repo.write(".gitignore", "*.tmp\n")
    repo.write("evidence/policy.md", "Policy v1\n")
    repo.write("evidence/audit.md", "Audit 2025\n")
    repo.write("evidence/old-name.md", "Plan v1, long enough for rename detection to follow it\n" * 3)
    repo.write("evidence/gone.md", "to be deleted\n")
    repo.write("evidence/odd \"name\"\ttab.md", "odd\n")
    repo.commit("first", "2025-01-10T09:00:00+01:00")
    repo.write("evidence/policy.md", "Policy v2\n")
    repo.commit("policy v2", "2025-03-05T23:30:00-05:00")
    repo.git("mv", "evidence/old-name.md", "evidence/plan.md")
    repo.commit("rename plan", "2025-04-01T12:00:00+00:00")
    repo.git("rm", "-q", "evidence/gone.md")
    repo.commit("delete", "2025-05-01T12:00:00+00:00")
    return repo


def test_each_state_a_file_can_be_in(repo):
    repo.write("evidence/audit.md", "Audit 2025, edited\n")
    repo.write("evidence/new.md", "never added\n")
    repo.write("evidence/draft.tmp", "ignored\n")
    repo.write("evidence/staged.md", "added, not committed\n")
    repo.git("add", "evidence/staged.md")
    (repo.path / "evidence/policy.md").unlink()
    state = read_work_tree(repo.path)
    assert state.available and state.branch == "main" and not state.shallow
    seen = {p: state.state(p, (repo.path / p).is_file()).state for p in (
        "evidence/plan.md", "evidence/audit.md", "evidence/new.md", "evidence/draft.tmp", "evidence/staged.md",
        "evidence/policy.md", "evidence/gone.md", "evidence/never-there.md", "evidence/odd \"name\"\ttab.md")}
    assert seen == {"evidence/plan.md": "committed", "evidence/audit.md": "modified", "evidence/new.md": "untracked",
                    "evidence/draft.tmp": "ignored", "evidence/staged.md": "added", "evidence/policy.md": "deleted",
                    "evidence/gone.md": "missing", "evidence/never-there.md": "missing",
                    "evidence/odd \"name\"\ttab.md": "committed"}


def test_last_change_follows_renames_and_records_deletions(repo):
    state = read_work_tree(repo.path)
    # The pure rename is not a change of content: the plan's last change is still the first commit.
    assert state.state("evidence/plan.md", True).commit.date == "2025-01-10"
    # The author's own day, not UTC: 23:30 in New York on 5 March.
    policy = state.state("evidence/policy.md", True).commit
    assert (policy.date, policy.author, policy.shallow) == ("2025-03-05", "Ada Auditor", False)
    assert len(policy.id) == 40 and policy.short == policy.id[:12]
    gone = state.state("evidence/gone.md", False).commit
    assert (gone.date, gone.change) == ("2025-05-01", "deleted")  # when it went
    assert state.state("evidence/plan.md", True).commit.change == "added"


def test_a_rename_with_edits_is_a_change(repo):
    repo.git("mv", "evidence/plan.md", "evidence/plan-2025.md")
    repo.write("evidence/plan-2025.md", "Plan v1, long enough for rename detection to follow it\n" * 3 + "one more line\n")
    repo.commit("rename and edit", "2025-06-01T12:00:00+00:00")
    assert read_work_tree(repo.path).state("evidence/plan-2025.md", True).commit.date == "2025-06-01"


def test_reading_never_writes_to_the_repository(repo):
    repo.write("evidence/audit.md", "Audit 2025, edited\n")
    index = repo.path / ".git" / "index"
    before = (index.stat().st_mtime_ns, index.read_bytes())
    os.utime(repo.path / "evidence/plan.md")  # a stat change that an index refresh would write back
    read_work_tree(repo.path)
    assert (index.stat().st_mtime_ns, index.read_bytes()) == before
    assert not (repo.path / ".git" / "index.lock").exists()


def test_an_ims_in_a_sub_folder_sees_paths_relative_to_itself(tmp_path):
    repo = Repo.init(tmp_path / "mono")
    repo.write("compliance/evidence/policy.md", "Policy\n")
    repo.write("app/main.py", "print()\n")
    repo.commit("first", "2025-02-02T10:00:00+00:00")
    repo.write("compliance/evidence/new.md", "new\n")
    state = read_work_tree(repo.path / "compliance")
    assert state.prefix == "compliance/"
    assert state.state("evidence/policy.md", True).state == "committed"
    assert state.state("evidence/policy.md", True).commit.date == "2025-02-02"
    assert state.state("evidence/new.md", True).state == "untracked"


def test_a_detached_head_is_read_like_a_branch(repo):
    first = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    repo.git("checkout", "-q", "--detach", "HEAD~2")
    state = read_work_tree(repo.path)
    assert state.available and state.branch is None and state.head != first
    assert state.state("evidence/policy.md", True).commit.date == "2025-03-05"
    assert state.state("evidence/gone.md", True).state == "committed"  # not deleted yet at that commit


def test_a_shallow_clone_marks_dates_at_its_edge(repo, tmp_path):
    clone = repo.clone(tmp_path / "shallow", "--depth", "1")
    state = read_work_tree(clone.path)
    assert state.shallow
    plan = state.state("evidence/plan.md", True)
    # The clone only knows the newest commit, which seems to add every file: its day is no real change date.
    assert plan.state == "committed" and plan.commit.shallow and plan.commit.date == "2025-05-01"


def test_a_revision_is_read_as_committed(repo):
    commit = repo.git("rev-parse", "HEAD~1").strip()
    state = read_revision(repo.path, "HEAD~1", commit, "", False)
    assert state.state("evidence/gone.md", False).state == "committed"
    assert state.state("evidence/new.md", False).state == "missing"


def test_outside_git_it_says_why_once(tmp_path):
    (tmp_path / "plain").mkdir()
    state = read_work_tree(tmp_path / "plain")
    assert not state.available and state.note == "the IMS is not inside a git work tree"


def test_without_a_git_binary_it_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    state = read_work_tree(tmp_path)
    assert not state.available and "git is not installed" in state.note


def test_the_log_parser_keeps_the_newest_change_per_path():
    def raw(old: str, new: str, status: str) -> bytes:
        return f":100644 100644 {old * 40} {new * 40} {status}".encode()

    tokens = [b"\x1e" + b"b" * 40 + b"\x1f2025-05-01T00:00:00+00:00\x1fBo", b"\n" + raw("1", "3", "M"), b"x.md",
              raw("4", "4", "R100"), b"old.md", b"y.md",
              b"\x1e" + b"a" * 40 + b"\x1f2025-01-01T00:00:00+00:00\x1fAl", b"\n" + raw("0", "1", "M"), b"x.md",
              raw("0", "4", "A"), b"old.md", b""]
    found = {path: versions[0] for path, versions in parse_log(tokens, frozenset({"a" * 40})).items()}
    assert found == {"x.md": Commit("b" * 40, "2025-05-01", "Bo", blob="3" * 40),
                     "y.md": Commit("a" * 40, "2025-01-01", "Al", shallow=True, change="added", blob="4" * 40)}


def test_the_walk_is_one_process_whatever_the_number_of_files(repo, monkeypatch):
    calls = []
    real = gitstate.subprocess.run

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    for i in range(50):
        repo.write(f"evidence/bulk/{i}.md", f"{i}\n")
    repo.commit("bulk", "2025-06-01T00:00:00+00:00")
    monkeypatch.setattr(gitstate.subprocess, "run", counting)
    state = read_work_tree(repo.path)
    assert len(calls) == 6 and all(call[:2] == ["git", "--no-optional-locks"] for call in calls)
    assert state.state("evidence/bulk/49.md", True).commit.date == "2025-06-01"
