"""Real git repositories in temporary folders, with fixed names and dates.

No global or system configuration is read (HOME points into the folder), so
the tests behave the same on every machine and never touch the user's git.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (CI installs it: see .ci/run)")


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1", LC_ALL="C",
               GIT_AUTHOR_NAME="Ada Auditor", GIT_AUTHOR_EMAIL="ada@example.org",
               GIT_COMMITTER_NAME="Ada Auditor", GIT_COMMITTER_EMAIL="ada@example.org")
    return env


class Repo:
    """A work tree whose commits carry the dates the test gives."""

    def __init__(self, path: Path, home: Path):
        self.path, self.home = path, home
        self.env = environment(home)

    @classmethod
    def init(cls, path: Path) -> "Repo":
        home = path.parent / (path.name + "-home")
        home.mkdir(parents=True, exist_ok=True)
        path.mkdir(parents=True, exist_ok=True)
        repo = cls(path, home)
        repo.git("-c", "init.defaultBranch=main", "init", "-q")
        return repo

    def git(self, *args: str, date: str = "2025-01-01T10:00:00+00:00") -> str:
        env = dict(self.env, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        done = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout

    def write(self, relative: str, text: str) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def commit(self, message: str, date: str, *paths: str) -> str:
        self.git("add", "-A", *(["--", *paths] if paths else []))
        self.git("commit", "-q", "-m", message, date=date)
        return self.git("rev-parse", "HEAD").strip()

    def clone(self, target: Path, *options: str) -> "Repo":
        done = subprocess.run(["git", "clone", "-q", *options, self.path.as_uri(), str(target)], env=self.env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return Repo(target, self.home)
