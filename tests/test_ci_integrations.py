"""The CI integrations, each run or validated with the real tool: pre-commit, check-jsonschema's vendor schemas."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, run_cli

# What pip needs to install imscheck from a copy of the repository.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "src", "rules", "schemas", "ci")


def git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00Z"}
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, check=True, capture_output=True, env=env)


@pytest.mark.parametrize("schema, path", [
    ("vendor.github-actions", "action.yml"),
    ("vendor.gitlab-ci", "ci/gitlab/imscheck.gitlab-ci.yml"),
    ("vendor.github-workflows", "ci/github/imscheck.yml"),
])
def test_ci_files_validate_against_their_vendor_schemas(schema, path):
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(REPO / path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_files_use_the_report_options_of_the_contract():
    action = (REPO / "action.yml").read_text()
    assert all(option in action for option in ("--sarif", "--markdown", "--junit", "upload-sarif", "GITHUB_STEP_SUMMARY", "upload-artifact"))
    gitlab = (REPO / "ci/gitlab/imscheck.gitlab-ci.yml").read_text()
    assert all(text in gitlab for text in ("junit:", "codequality:", "imscheck diff", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "git fetch"))


def test_pre_commit_hooks_validate_on_commit_and_check_only_on_demand():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert "stages" not in hooks["imscheck-validate"]  # every commit
    assert set(hooks["imscheck-check"]["stages"]) == {"manual", "pre-push"}


def test_pre_commit_runs_the_hooks_from_this_repository(tmp_path: Path):
    """pre-commit installs imscheck from a copy of this repository into its own environment and runs both hooks."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for name in PROJECT_FILES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, hooks / name)
    git("init", "-q", cwd=hooks)
    git("add", "-A", cwd=hooks)
    git("commit", "-q", "-m", "imscheck", cwd=hooks)

    target = tmp_path / "team"
    assert run_cli("init", str(target), "--standard", "ISO27001:2022").exit_code == 0
    git("init", "-q", cwd=target)
    git("add", "-A", cwd=target)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)  # the hook must run the imscheck pre-commit installed, not this checkout

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), *args, "--all-files"],
                              cwd=target, capture_output=True, text=True, env=env, timeout=900)

    validate = try_repo("imscheck-validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "imscheck validate" in validate.stdout and "Passed" in validate.stdout

    check = try_repo("imscheck-check", "--hook-stage", "manual")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "imscheck check" in check.stdout and "Failed" in check.stdout
    # The scaffold has everything still to do: the hook reports what imscheck itself reports on it.
    direct = run_cli("check", str(target), "--quiet", "--no-git")
    assert direct.exit_code == 1
    final = direct.stdout.strip().splitlines()[-1]
    assert final.startswith("Result: ") and " unmet" in final
    assert final in check.stdout
