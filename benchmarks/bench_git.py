"""How long reading the git state of many evidence files takes.

    python benchmarks/bench_git.py --files 10000 --commits 20 --repeat 5

Builds a repository in a temporary folder (not timed): ``--files`` evidence
files under ``evidence/``, committed over ``--commits`` commits (each later
commit edits a slice of the files, and renames a few), plus a few untracked and
modified files. Then times :func:`imscheck.evidence.git.read_work_tree` (the
ls-files, status and log walk) and the lookup of every file's state, and
prints the median and the slowest of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gitrepo import Repo  # noqa: E402

from imscheck.evidence.git import read_work_tree  # noqa: E402


def build(folder: Path, files: int, commits: int) -> list[str]:
    repo = Repo.init(folder / "repo")
    repo.git("config", "gc.auto", "0")  # one gc at the end, not one racing in the background
    paths = [f"evidence/{i % 100:02d}/record-{i:05d}.md" for i in range(files)]
    for path in paths:
        repo.write(path, f"{path}\n" * 4)
    repo.commit("all evidence", "2024-01-01T10:00:00+00:00")
    step = max(files // max(commits - 1, 1), 1)
    for c in range(1, commits):
        for path in paths[(c - 1) * step: c * step]:
            repo.write(path, f"{path} edited in commit {c}\n" * 4)
        repo.commit(f"edit {c}", f"2024-{1 + c % 12:02d}-15T10:00:00+00:00")
    for path in paths[:5]:
        repo.write(path, "uncommitted edit\n")
    for i in range(5):
        repo.write(f"evidence/new-{i}.md", "untracked\n")
    subprocess.run(["git", "gc", "-q"], cwd=repo.path, env=repo.env, check=True)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imscheck-bench-git-") as folder:
        paths = build(Path(folder), args.files, args.commits)
        root = Path(folder) / "repo"
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            state = read_work_tree(root)
            states = [state.state(p, True) for p in paths]
            times.append(time.perf_counter() - start)
        assert all(s.commit is not None for s in states)
        print(f"{args.files} evidence files, {args.commits} commits: median {statistics.median(times):.3f} s, "
              f"slowest {max(times):.3f} s over {args.repeat} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
